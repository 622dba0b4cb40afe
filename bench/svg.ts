/**
 * A dependency-free SVG bar chart of the benchmark rows: one group per measure (its title
 * and target on a line of their own), one bar per contender that was measured, labelled
 * with its value.
 */
interface ChartRow {
  readonly measure: string
  readonly unit: string
  readonly target: string
  readonly ratios: Readonly<Record<string, number>>
  readonly values: Readonly<Record<string, number>>
}

const colors = ["#9ca3af", "#6b7280", "#f59e0b", "#2563eb", "#60a5fa", "#1e3a8a"]
const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

export const chart = (rows: ReadonlyArray<ChartRow>, names: ReadonlyArray<string>): string => {
  const width = 900
  const left = 20
  const labelRoom = 330
  const barHeight = 16
  const title = 22
  const parts: Array<string> = []
  let y = 44
  for (const row of rows) {
    const measured = names.filter((name) => row.values[name] !== undefined)
    // Rows whose values are already the figure to show (heap, latency) carry them as ratios too.
    const ratioRow = measured.some((name) => row.values[name] !== row.ratios[name])
    const max = Math.max(...measured.map((n) => row.ratios[n] ?? 0), 1e-9)
    parts.push(`<text x="${left}" y="${y}" font-weight="bold">${escape(row.measure)}</text>`)
    parts.push(`<text x="${width - 10}" y="${y}" text-anchor="end" fill="#555">target: ${escape(row.target)}</text>`)
    measured.forEach((name, j) => {
      const v = row.ratios[name] ?? 0
      const w = Math.max(1, (v / max) * (width - left - labelRoom))
      const top = y + 8 + j * barHeight
      const label = ratioRow ? `${v.toFixed(2)} ×` : `${v.toFixed(2)} ${row.unit}`
      parts.push(
        `<rect x="${left}" y="${top}" width="${w.toFixed(1)}" height="${barHeight - 3}" fill="${
          colors[names.indexOf(name) % colors.length]
        }"/>`
      )
      parts.push(`<text x="${left + w + 6}" y="${top + 11}">${escape(`${name}: ${label}`)}</text>`)
    })
    y += title + measured.length * barHeight + 18
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">npm run bench: ratio to the raw fetch loop (time: lower is better; req/s: higher is better)</text>`,
    ...parts,
    `</svg>`,
    ""
  ].join("\n")
}
