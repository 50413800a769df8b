import * as Schema from "effect/Schema"

/**
 * Any string besides the known literals: a value Pipedrive adds later (a new label colour, field
 * type or conversion status) decodes as itself instead of failing the whole page. `string & {}`
 * keeps editors offering the known literals.
 */
const Other: Schema.Schema<string & {}, string> = Schema.String as Schema.Schema<string & {}, string>

/**
 * The known literals for writing, and the open union (known or any other string) for reading.
 */
export const openLiteral = <const Literals extends readonly [string, ...Array<string>]>(
  literals: Literals,
  identifier: string
) => {
  const known = Schema.Literal(...literals).annotations({
    identifier,
    message: (issue) => `expected one of ${literals.join(", ")}, got ${JSON.stringify(issue.actual)}`
  })
  return { known, open: Schema.Union(known, Other).annotations({ identifier: `${identifier}OrOther` }) } as const
}
