/**
 * The README's TypeScript blocks, as files a test can type-check and run: a block that imports
 * `@effect/vitest` is a test file, any other a program that reads its Pipedrive from the
 * environment.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export const workspace = fileURLToPath(new URL("../../..", import.meta.url))

export interface Snippet {
  /** `readme-<n>.ts`, `readme-<n>.test.ts`, or `example-<module>-<n>.ts` for a JSDoc `@example`. */
  readonly file: string
  /** A README program or test; an `example` is type-checked only. */
  readonly kind: "program" | "test" | "example"
  /** Where the block starts (1-based line), for failure messages. */
  readonly line: number
  readonly code: string
}

/** Every ```ts block of the README. */
export const snippets = (readme: string = Fs.readFileSync(Path.join(workspace, "README.md"), "utf8")) =>
  [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match, index): Snippet => {
    const code = match[1]!
    const kind = /from "@effect\/vitest"/.test(code) ? "test" : "program"
    const number = String(index + 1).padStart(2, "0")
    return {
      file: kind === "test" ? `readme-${number}.test.ts` : `readme-${number}.ts`,
      kind,
      line: readme.slice(0, match.index).split("\n").length,
      code
    }
  })

/** The ```ts blocks of every `@example` in the packages' sources, as files to type-check. */
export const jsdocExamples = (): Array<Snippet> =>
  ["core", "node-runtime"].flatMap((pkg) => {
    const src = Path.join(workspace, "packages", pkg, "src")
    return Fs.readdirSync(src, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts") && !file.startsWith("internal"))
      .flatMap((file) => {
        const text = Fs.readFileSync(Path.join(src, file), "utf8")
        const blocks = [...text.matchAll(/@example\s*\n\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g)]
        return blocks.map((match, index): Snippet => ({
          file: `example-${pkg}-${file.replace(/\W+/g, "-")}-${index + 1}.ts`,
          kind: "example",
          line: text.slice(0, match.index).split("\n").length,
          code: match[1]!.split("\n").map((line) => line.replace(/^\s*\* ?/, "")).join("\n") + "\n"
        }))
      })
  })

/** Writes the snippets into `dir`, each with a comment pointing back at where it came from. */
export const writeSnippets = (dir: string, all: ReadonlyArray<Snippet>): void => {
  for (const snippet of all) {
    const from = snippet.kind === "example" ? snippet.file : "README.md"
    Fs.writeFileSync(Path.join(dir, snippet.file), `// ${from} line ${snippet.line}\n${snippet.code}`)
  }
}
