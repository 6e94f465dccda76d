import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json',
}

export interface StaticFile {
  body: Buffer
  type: string
}

/**
 * Resolves a URL path inside the built renderer. Anything that is not a file there falls back to
 * index.html (the router owns the path); nothing outside `root` is ever read.
 */
export async function readStatic(root: string, urlPath: string): Promise<StaticFile | null> {
  const base = resolve(root)
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/')
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const candidate = resolve(join(base, normalize(decoded)))
  if (candidate !== base && !candidate.startsWith(base + sep)) return null
  const file = (await isFile(candidate)) ? candidate : join(base, 'index.html')
  try {
    return {
      body: await readFile(file),
      type: TYPES[extname(file)] ?? 'application/octet-stream',
    }
  } catch {
    return null
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}
