import { GatehouseError } from '../../shared/errors'
import type { HostFiles } from '../hostfs/host-files'

/**
 * Authentik 2025.12 moved uploads from `./media` (mounted at /media) to `./data` (mounted at
 * /data, uploads in /data/media). The move is one rename on the Docker host, through HostFiles so
 * it works on a remote NAS too: a rename keeps every file, its owner and its mode (a copy would
 * have to re-create ownership file by file, and Authentik's container runs as UID 1000). The new
 * `data` folder gets the owner and mode of the old `media` folder.
 */

export type MediaMoveResult = 'moved' | 'nothing-to-move' | 'already-moved'

export async function moveMediaToData(
  files: HostFiles,
  dataFolder: string,
): Promise<MediaMoveResult> {
  const root = dataFolder.replace(/\/+$/, '')
  const from = `${root}/media`
  const parent = `${root}/data`
  const to = `${parent}/media`
  const source = await files.stat(from)
  const target = await files.stat(to)
  // Re-run after an interrupted upgrade: the rename already happened.
  if (!source) return target ? 'already-moved' : 'nothing-to-move'
  if (!source.isDirectory)
    throw new GatehouseError({
      code: 'HOST_FILE_FAILED',
      message: `${from} on ${files.where} is not a folder, so the uploads cannot move to ${to}.`,
      hint: 'Move or rename that file by hand, then run the upgrade again.',
      details: { path: from },
    })
  if (target) {
    // Both exist: only an empty leftover target may be replaced; never merge two upload folders.
    if ((await files.list(to)).length > 0)
      throw new GatehouseError({
        code: 'HOST_FILE_FAILED',
        message: `Both ${from} and ${to} hold files on ${files.where}; Gatehouse will not merge them.`,
        hint: `Keep the uploads in one of them (Authentik ${'2025.12'}+ reads ${to}), then run the upgrade again.`,
        details: { path: to },
      })
    await files.remove(to, { recursive: true })
  }
  if (!(await files.stat(parent))) {
    await files.mkdirp(parent, { mode: source.mode })
    await files.chown(parent, source.uid, source.gid)
  }
  await files.rename(from, to)
  return 'moved'
}
