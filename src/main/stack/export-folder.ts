import { posix, win32 } from 'node:path'
import { GatehouseError } from '../../shared/errors'

// Line breaks and other control characters, and the bidi overrides that make a name read
// differently from what it is (`\u202e` turns "x\u202egpj.exe" into "xexe.jpg").
const INVISIBLE = /[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/

/**
 * Why a folder the caller chose for `stack.export` is refused, or null. The export writes the
 * stack's secrets (.env), so it goes exactly where the admin said: an absolute path on this
 * machine (`C:\…` is a relative name on Linux), without `.`/`..` segments that would climb out
 * of the folder shown in the dialog, and without characters that hide what the name says.
 */
export function exportFolderProblem(
  folder: string,
  platform: NodeJS.Platform = process.platform,
): string | null {
  if (INVISIBLE.test(folder))
    return 'The folder name contains a line break, control or text-direction character.'
  const path = platform === 'win32' ? win32 : posix
  if (!path.isAbsolute(folder))
    return platform === 'win32'
      ? 'Give an absolute folder path on this machine, e.g. C:\\Users\\you\\authentik-export.'
      : 'Give an absolute folder path on this machine, e.g. /home/you/authentik-export.'
  if (folder.split(/[\\/]/).some((segment) => segment === '.' || segment === '..'))
    return 'Leave out "." and ".." in the path: name the export folder itself.'
  return null
}

/** The same check as a field error on `folder`, as the forms show it. */
export function assertExportFolder(folder: string): void {
  const message = exportFolderProblem(folder)
  if (message)
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `The export folder is not valid: ${message}`,
      hint: 'Choose the folder again and export.',
      details: { issues: [{ path: 'folder', message }] },
    })
}
