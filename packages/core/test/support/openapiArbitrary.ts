/**
 * JSON values generated from an OpenAPI schema node, the document's side of a property: what
 * Pipedrive may send by its own description, not by the client's schemas.
 *
 * Every listed property is present (Pipedrive sends each key it documents on a lead, null when
 * unset); `nullable` adds null; enums pick among their values; formats `uuid`, `date` and
 * `date-time` give well-formed strings. Where the client knows more than the excerpt says
 * (ids are positive, a currency is not empty), the caller passes an arbitrary for that path,
 * and names why, so each narrowing is a listed, visible choice.
 */
import { FastCheck as fc } from "effect"
import type { OpenApiNode } from "./openapiShape.js"

interface Node extends OpenApiNode {
  readonly format?: string
}

/** Arbitraries that replace the document's at a path (`value.currency`, `item.visible_to`). */
export type Overrides = Readonly<Record<string, fc.Arbitrary<unknown>>>

const merged = (node: Node): Node => {
  if (node.allOf === undefined) return node
  const { allOf, ...own } = node
  return allOf.map(merged).reduce<Node>((into, part) => ({
    ...part,
    ...into,
    properties: { ...part.properties, ...into.properties }
  }), own)
}

const days = { min: new Date("1990-01-01T00:00:00Z"), max: new Date("2100-12-31T00:00:00Z"), noInvalidDate: true }

const byType = (node: Node, path: string, overrides: Overrides): fc.Arbitrary<unknown> => {
  if (node.enum !== undefined) return fc.constantFrom(...node.enum)
  switch (node.type ?? (node.properties !== undefined ? "object" : undefined)) {
    case "string":
      return node.format === "uuid"
        ? fc.uuid()
        : node.format === "date"
        ? fc.date(days).map((d) => d.toISOString().slice(0, 10))
        : node.format === "date-time"
        ? fc.date(days).map((d) => d.toISOString())
        : fc.string()
    case "integer":
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
    case "number":
      return fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => n === 0 ? 0 : n)
    case "boolean":
      return fc.boolean()
    case "array":
      return fc.array(node.items === undefined ? fc.jsonValue() : arbitrary(node.items, `${path}[]`, overrides), {
        maxLength: 3
      })
    case "object":
      return fc.record(
        Object.fromEntries(
          Object.entries(node.properties ?? {}).map((
            [name, child]
          ) => [name, arbitrary(child, path === "" ? name : `${path}.${name}`, overrides)])
        )
      )
    default:
      return fc.jsonValue({ maxDepth: 1 })
  }
}

/** Values the document's `node` describes; `path` is where `node` sits (`""` at the top). */
export const arbitrary = (node: OpenApiNode, path = "", overrides: Overrides = {}): fc.Arbitrary<unknown> => {
  const override = overrides[path]
  if (override !== undefined) return override
  const full = merged(node as Node)
  const value = byType(full, path, overrides)
  return full.nullable === true ? fc.option(value, { nil: null, freq: 4 }) : value
}
