import type { PullPhase, PullProgress } from '../../shared/contract'

/**
 * Folds the engine's per-layer pull events ("Pulling fs layer", "Downloading" with
 * current/total, "Verifying Checksum", "Download complete", "Extracting", "Pull complete",
 * "Already exists") into one figure per image: what a single progress bar needs. Pure, so the
 * arithmetic is unit-tested without an engine.
 */

// The shapes a progress bar reads are the contract's; this module only computes them.
export type { PullPhase, PullProgress }

/** One line of the engine's pull stream (JSON), as far as we read it. */
export interface PullEvent {
  readonly status?: string
  readonly id?: string
  readonly progressDetail?: { readonly current?: number; readonly total?: number }
  readonly error?: string
  readonly errorDetail?: { readonly message?: string }
}

type LayerStage = 'waiting' | 'downloading' | 'downloaded' | 'extracting' | 'done'

interface LayerState {
  stage: LayerStage
  downloaded: number
  size: number
  extracted: number
}

const stageRank: Record<LayerStage, number> = {
  waiting: 0,
  downloading: 1,
  downloaded: 2,
  extracting: 3,
  done: 4,
}

export interface PullFold {
  /** Applies one event; returns true when the phase changed (worth showing at once). */
  apply(event: PullEvent): boolean
  snapshot(): PullProgress
  /** The stream ended without an error event. */
  finish(): PullProgress
  /** The engine's error message, if an error event arrived. */
  readonly error: string | undefined
}

export function createPullFold(image: string): PullFold {
  const layers = new Map<string, LayerState>()
  let error: string | undefined
  let finished = false
  let lastPercent = 0
  let lastBytes = 0
  let lastPhase: PullPhase = 'resolving'

  const layer = (id: string): LayerState => {
    let state = layers.get(id)
    if (!state) {
      state = { stage: 'waiting', downloaded: 0, size: 0, extracted: 0 }
      layers.set(id, state)
    }
    return state
  }
  // Events can arrive out of order across layers but a layer never goes back a stage.
  const advance = (state: LayerState, stage: LayerStage) => {
    if (stageRank[stage] > stageRank[state.stage]) state.stage = stage
  }

  let fetched = false
  let shownRank = 0
  const phaseRank: Record<PullPhase, number> = {
    present: 0,
    resolving: 0,
    downloading: 1,
    extracting: 2,
    complete: 3,
  }
  const computePhase = (): PullPhase => {
    if (finished) return 'complete'
    const stages = [...layers.values()].map((l) => l.stage)
    if (stages.some((s) => s === 'waiting' || s === 'downloading')) return 'downloading'
    if (stages.some((s) => s === 'downloaded' || s === 'extracting') || fetched) return 'extracting'
    // Nothing announced yet, or only "Already exists" layers so far (they come first).
    return 'resolving'
  }
  // The engine announces every layer up front, but a late one must not send the bar back.
  const phase = (): PullPhase => {
    const current = computePhase()
    if (phaseRank[current] >= shownRank) {
      shownRank = phaseRank[current]
      return current
    }
    return (['resolving', 'downloading', 'extracting', 'complete'] as const)[shownRank] ?? current
  }

  const snapshot = (): PullProgress => {
    let layersDone = 0
    let bytesDone = 0
    let bytesTotal = 0
    let score = 0
    for (const l of layers.values()) {
      if (l.stage === 'done') layersDone += 1
      bytesDone += l.downloaded
      bytesTotal += l.size
      const download = l.size > 0 ? Math.min(1, l.downloaded / l.size) : 0
      const extract = l.size > 0 ? Math.min(1, l.extracted / l.size) : 0
      if (l.stage === 'done') score += 1
      else if (l.stage === 'extracting') score += 0.5 + 0.5 * extract
      else if (l.stage === 'downloaded') score += 0.5
      else score += 0.5 * download
    }
    const current = phase()
    const raw = current === 'complete' ? 100 : layers.size ? (100 * score) / layers.size : 0
    // A newly announced layer would pull the figure back; a progress bar must not jump back.
    lastPercent = Math.max(lastPercent, Math.floor(raw))
    lastBytes = Math.max(lastBytes, bytesDone)
    return {
      image,
      phase: current,
      layersDone,
      layersTotal: layers.size,
      bytesDone: lastBytes,
      bytesTotal: Math.max(bytesTotal, lastBytes),
      percent: lastPercent,
    }
  }

  const apply = (event: PullEvent): boolean => {
    if (event.error || event.errorDetail?.message) {
      error = event.errorDetail?.message || event.error
      return false
    }
    const status = event.status ?? ''
    const id = event.id
    const detail = event.progressDetail ?? {}
    // "Pulling from library/postgres" carries the tag as id, "Digest:"/"Status:" carry none.
    if (!id || status.startsWith('Pulling from') || status.startsWith('Digest:')) return false
    const before = phase()
    switch (status) {
      case 'Pulling fs layer':
      case 'Waiting':
        layer(id)
        break
      case 'Downloading': {
        const l = layer(id)
        advance(l, 'downloading')
        if (detail.total && detail.total > 0) l.size = detail.total
        if (detail.current !== undefined) l.downloaded = Math.max(l.downloaded, detail.current)
        break
      }
      case 'Verifying Checksum':
      case 'Download complete': {
        const l = layer(id)
        advance(l, 'downloaded')
        l.downloaded = Math.max(l.downloaded, l.size)
        break
      }
      case 'Extracting': {
        const l = layer(id)
        advance(l, 'extracting')
        if (detail.total && detail.total > 0 && l.size === 0) l.size = detail.total
        l.downloaded = Math.max(l.downloaded, l.size)
        if (detail.current !== undefined) l.extracted = Math.max(l.extracted, detail.current)
        break
      }
      case 'Pull complete': {
        fetched = true
        const l = layer(id)
        advance(l, 'done')
        l.downloaded = Math.max(l.downloaded, l.size)
        l.extracted = l.size
        break
      }
      case 'Already exists':
        // Present from another image: done, with no bytes to move.
        advance(layer(id), 'done')
        break
      default:
        // "Retrying in 5 seconds", "Download complete" variants, future statuses: keep the layer.
        if (layers.has(id)) break
        return false
    }
    const after = phase()
    if (after !== lastPhase) {
      lastPhase = after
      return true
    }
    return before !== after
  }

  return {
    apply,
    snapshot,
    finish() {
      finished = true
      lastPhase = 'complete'
      return snapshot()
    },
    get error() {
      return error
    },
  }
}
