/**
 * A dependency-free SVG bar chart of the benchmark rows: one group per measure, one bar
 * per contender, labelled with its value.
 */
interface ChartRow {
  readonly measure: string
  readonly unit: string
  readonly target: string
  readonly ratios: Readonly<Record<string, number>>
  readonly values: Readonly<Record<string, number>>
}

const colors = ["#9ca3af", "#f59e0b", "#2563eb"]
const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

export const chart = (rows: ReadonlyArray<ChartRow>, names: ReadonlyArray<string>): string => {
  const width = 760
  const labelWidth = 250
  const barHeight = 16
  const groupGap = 26
  const groupHeight = names.length * barHeight + groupGap
  const height = 40 + rows.length * groupHeight + 30
  const parts: Array<string> = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="13" font-weight="bold">npm run bench: ratio to the raw fetch loop (time: lower is better; req/s: higher is better)</text>`
  ]
  rows.forEach((row, i) => {
    const y0 = 40 + i * groupHeight
    const ratioRow = row.values !== row.ratios
    const max = Math.max(...names.map((n) => row.ratios[n] ?? 0), 1e-9)
    parts.push(`<text x="10" y="${y0 + 10}" font-weight="bold">${escape(row.measure)}</text>`)
    parts.push(`<text x="10" y="${y0 + 24}" fill="#555">target: ${escape(row.target)}</text>`)
    names.forEach((name, j) => {
      const v = row.ratios[name] ?? 0
      const w = Math.max(1, (v / max) * (width - labelWidth - 140))
      const y = y0 + j * barHeight
      const label = ratioRow ? `${v.toFixed(2)} ×` : `${v.toFixed(2)} ${row.unit}`
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight - 3}" fill="${colors[j % colors.length]}"/>`)
      parts.push(`<text x="${labelWidth + w + 6}" y="${y + 11}">${escape(`${name}: ${label}`)}</text>`)
    })
  })
  parts.push(`</svg>`)
  return `${parts.join("\n")}\n`
}
