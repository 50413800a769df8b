import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

/**
 * docgen (run by scripts/test) insists on `@since` only; the project standard also wants a
 * description and a `@category` on every export, so this walks the public modules' syntax and
 * names each declaration that lacks one.
 */

const root = fileURLToPath(new URL("../../..", import.meta.url))
const sources = ["packages/core/src", "packages/node-runtime/src"]

const modules = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "internal" ? [] : modules(path)
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : []
  })

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) &&
  (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)

const declarationName = (statement: ts.Statement): string => {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.map((declaration) => declaration.name.getText()).join(", ")
  }
  const name = (statement as ts.DeclarationStatement).name
  return name === undefined ? "default" : name.getText()
}

/** What the declaration's own doc comment (the one nearest to it) is missing. */
const missing = (statement: ts.Statement): ReadonlyArray<string> => {
  const docs = ts.getJSDocCommentsAndTags(statement).filter(ts.isJSDoc)
  const doc = docs.at(-1)
  if (doc === undefined) return ["a doc comment"]
  const description = ts.getTextOfJSDocComment(doc.comment)?.trim() ?? ""
  const tags = new Set((doc.tags ?? []).map((tag) => tag.tagName.text))
  return [
    ...(description === "" ? ["a description"] : []),
    ...(tags.has("since") ? [] : ["@since"]),
    ...(tags.has("category") ? [] : ["@category"])
  ]
}

/** Every exported declaration in `text` that lacks something, as `name: what`. */
const undocumented = (fileName: string, text: string): ReadonlyArray<string> => {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true)
  const findings = new Map<string, ReadonlyArray<string>>()
  for (const statement of file.statements) {
    // `export * as X from` and `export { x } from` re-export what is documented where it is declared.
    if (ts.isExportDeclaration(statement) || !isExported(statement)) continue
    const name = declarationName(statement)
    const lacks = missing(statement)
    // Overloads share one doc comment, on the first signature; a name passes if any of its declarations does.
    const previous = findings.get(name)
    findings.set(name, previous === undefined || lacks.length < previous.length ? lacks : previous)
  }
  return [...findings].filter(([, lacks]) => lacks.length > 0).map(([name, lacks]) => `${name}: ${lacks.join(", ")}`)
}

describe("JSDoc on public exports", () => {
  it("flags an export without a description, @since or @category, and passes a documented one", () => {
    const text = [
      "/**\n * Documented.\n *\n * @since 0.1.0\n * @category constructors\n */",
      "export const good = 1",
      "/**\n * @since 0.1.0\n * @category models\n */",
      "export interface NoDescription {}",
      "/**\n * Has no category.\n *\n * @since 0.1.0\n */",
      "export type NoCategory = string",
      "export class Bare {}",
      "/**\n * Overloaded.\n *\n * @since 0.1.0\n * @category utils\n */",
      "export function over(a: string): string",
      "export function over(a: number): number",
      "export function over(a: unknown) { return a }",
      "export * as Mod from \"./Mod.js\"",
      "const local = 2"
    ].join("\n")
    expect(undocumented("sample.ts", text)).toEqual([
      "NoDescription: a description",
      "NoCategory: @category",
      "Bare: a doc comment"
    ])
  })

  it("every export of the public modules has a description, @since and @category", () => {
    const files = sources.flatMap((dir) => modules(join(root, dir)))
    expect(files.length).toBeGreaterThan(20)
    const findings = files.flatMap((path) =>
      undocumented(path, readFileSync(path, "utf8")).map((finding) => `${relative(root, path)} ${finding}`)
    )
    expect(findings).toEqual([])
  })
})
