/** A target: the figure must be at least (`>=`) or at most (`<=`) the value. */
export interface Target {
  readonly op: ">=" | "<="
  readonly value: number
}

export const meets = (value: number, target: Target): boolean =>
  target.op === ">=" ? value >= target.value : value <= target.value

/** One line of figures: a variant's median and every run, in a unit. */
export interface Row {
  readonly label: string
  readonly unit: string
  readonly median: number
  readonly runs: ReadonlyArray<number>
}

/** A derived figure, with its target if it has one. */
export interface Check {
  readonly label: string
  readonly value: number
  readonly unit?: string
  readonly target?: Target
  /** Per-round values when the figure is a ratio computed within each round. */
  readonly perRound?: ReadonlyArray<number>
}

export interface ScenarioReport {
  readonly id: string
  readonly title: string
  readonly setup: string
  readonly rows: ReadonlyArray<Row>
  readonly checks: ReadonlyArray<Check>
  readonly notes: ReadonlyArray<string>
}

const format = (value: number): string => {
  if (!Number.isFinite(value)) return String(value)
  const abs = Math.abs(value)
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US")
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

const pad = (text: string, width: number) => text.length >= width ? text : text + " ".repeat(width - text.length)
const padLeft = (text: string, width: number) => text.length >= width ? text : " ".repeat(width - text.length) + text

const verdict = (check: Check): string =>
  check.target === undefined
    ? ""
    : `target ${check.target.op} ${format(check.target.value)}  ${meets(check.value, check.target) ? "MET" : "MISSED"}`

/** The scenario as a plain-text table. */
export const renderScenario = (report: ScenarioReport): string => {
  const labelWidth = Math.max(34, ...report.rows.map((row) => row.label.length), ...report.checks.map((c) => c.label.length))
  const lines = [`${report.id}. ${report.title}`, `   ${report.setup}`]
  for (const row of report.rows) {
    lines.push(
      `   ${pad(row.label, labelWidth)} ${padLeft(format(row.median), 10)} ${pad(row.unit, 10)} runs: ${
        row.runs.map(format).join(", ")
      }`
    )
  }
  for (const check of report.checks) {
    const rounds = check.perRound === undefined ? "" : `  (per round: ${check.perRound.map(format).join(", ")})`
    lines.push(
      `   ${pad(check.label, labelWidth)} ${padLeft(format(check.value), 10)} ${pad(check.unit ?? "", 10)} ${
        verdict(check)
      }${rounds}`
    )
  }
  for (const note of report.notes) lines.push(`   note: ${note}`)
  return lines.join("\n")
}

/** Every target of every scenario, met or missed. */
export const targetSummary = (reports: ReadonlyArray<ScenarioReport>): ReadonlyArray<string> =>
  reports.flatMap((report) =>
    report.checks.filter((check) => check.target !== undefined).map((check) =>
      `${meets(check.value, check.target!) ? "MET   " : "MISSED"} ${report.id}. ${check.label}: ${format(check.value)}${
        check.unit === undefined ? "" : ` ${check.unit}`
      } (target ${check.target!.op} ${format(check.target!.value)})`
    )
  )
