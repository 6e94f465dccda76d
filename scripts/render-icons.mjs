// Renders resources/icon.svg into the PNG icons the window and electron-builder use, with
// Debian's Chromium (run by hand after changing the SVG: `node scripts/render-icons.mjs`).
import { chromium } from '@playwright/test'
import { readFileSync } from 'node:fs'

const svg = readFileSync('resources/icon.svg', 'utf8')
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox'],
})
for (const [size, path] of [
  [512, 'resources/icon.png'],
  [1024, 'build/icon.png'],
]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } })
  await page.setContent(
    `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`,
  )
  await page.screenshot({ path, omitBackground: true })
  await page.close()
}
await browser.close()
