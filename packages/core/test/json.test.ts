/** `parseJson` and `textOf` (internal/json.ts) on bodies larger than a piece, cut into arbitrary chunks; the oracle is the platform's `JSON.parse(new TextDecoder().decode(all the bytes))`. */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { parseJson, pieceBytes, textOf } from "../src/internal/json.js"

const encoder = new TextEncoder()
const utf8 = (text: string): Uint8Array => encoder.encode(text)

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let size = 0
  for (const part of parts) size += part.length
  const out = new Uint8Array(size)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

// -------------------------------------------------------------------------------------------------
// The oracle and the comparison
// -------------------------------------------------------------------------------------------------

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown }

const attempt = (f: () => unknown): Outcome => {
  try {
    return { ok: true, value: f() }
  } catch (error) {
    return { ok: false, error }
  }
}

/** The oracle: all the bytes decoded at once by a default `TextDecoder`, then `JSON.parse`. */
const oracle = (bytes: Uint8Array): Outcome => attempt(() => JSON.parse(new TextDecoder().decode(bytes)))

const show = (value: unknown): string => {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value)
  return text.length > 80 ? `${text.slice(0, 80)}…` : text
}

/**
 * The first difference between two parsed values, or `undefined`. Unlike `toStrictEqual` it also
 * compares the order of keys, the prototypes and that every member is a plain own data property
 * (so a `__proto__` key must be an own property, not the prototype).
 */
const difference = (actual: unknown, expected: unknown, path = "$"): string | undefined => {
  if (typeof expected !== "object" || expected === null) {
    return Object.is(actual, expected) ? undefined : `${path}: ${show(actual)} instead of ${show(expected)}`
  }
  if (typeof actual !== "object" || actual === null) return `${path}: ${show(actual)} instead of a container`
  if (Array.isArray(expected) !== Array.isArray(actual)) return `${path}: array vs object`
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) return `${path}: another prototype`
  if (Array.isArray(expected)) {
    const array = actual as ReadonlyArray<unknown>
    if (array.length !== expected.length) return `${path}: length ${array.length} instead of ${expected.length}`
    for (let i = 0; i < expected.length; i++) {
      const found = difference(array[i], expected[i], `${path}[${i}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  const keys = Object.keys(actual)
  const expectedKeys = Object.keys(expected)
  if (keys.length !== expectedKeys.length || keys.some((key, i) => key !== expectedKeys[i])) {
    return `${path}: keys ${show(JSON.stringify(keys))} instead of ${show(JSON.stringify(expectedKeys))}`
  }
  for (const key of expectedKeys) {
    const descriptor = Object.getOwnPropertyDescriptor(actual, key)
    if (
      descriptor === undefined || !("value" in descriptor) || descriptor.writable !== true ||
      descriptor.enumerable !== true || descriptor.configurable !== true
    ) {
      return `${path}[${JSON.stringify(key)}]: not a plain own data property`
    }
    const found = difference(descriptor.value, (expected as Record<string, unknown>)[key], `${path}[${JSON.stringify(key)}]`)
    if (found !== undefined) return found
  }
  return undefined
}

const outcomeOf = (outcome: Outcome): string => (outcome.ok ? "parsed" : `threw ${String(outcome.error)}`)

/** Whether some object in `value` has an own `constructor` key. */
const hasConstructorKey = (value: unknown): boolean => {
  const stack = [value]
  while (stack.length > 0) {
    const item = stack.pop()
    if (typeof item !== "object" || item === null) continue
    if (!Array.isArray(item) && Object.hasOwn(item, "constructor")) return true
    stack.push(...Object.values(item))
  }
  return false
}

const expectSame = (actual: unknown, expected: unknown) => {
  expect(difference(actual, expected)).toBeUndefined()
  // `toStrictEqual` compares `a.constructor === b.constructor`, which two equal parses with an
  // own `constructor` member fail; `difference` has checked those.
  if (!hasConstructorKey(expected)) expect(actual).toStrictEqual(expected)
}

/**
 * `parseJson(chunks)` agrees with the oracle on the concatenated bytes: the same value, or a
 * `SyntaxError` exactly when the oracle throws. Answers whether the document was valid.
 */
const agree = (chunks: ReadonlyArray<Uint8Array>): boolean => {
  const expected = oracle(concat(chunks))
  const actual = attempt(() => parseJson(chunks))
  if (expected.ok) {
    expect(outcomeOf(actual)).toBe("parsed")
    if (actual.ok) expectSame(actual.value, expected.value)
  } else {
    expect(actual.ok ? `returned ${show(JSON.stringify(actual.value))}` : "threw").toBe("threw")
    if (!actual.ok) expect(actual.error).toBeInstanceOf(SyntaxError)
  }
  return expected.ok
}

/** Asserts the whole text is valid JSON by the oracle, then that `parseJson` returns the same. */
const expectParsesLikeOracle = (chunks: ReadonlyArray<Uint8Array>) => {
  const expected = oracle(concat(chunks))
  expect(expected.ok).toBe(true)
  expect(agree(chunks)).toBe(true)
  return parseJson(chunks)
}

const expectThrowsLikeOracle = (chunks: ReadonlyArray<Uint8Array>) => {
  expect(oracle(concat(chunks)).ok).toBe(false)
  expect(agree(chunks)).toBe(false)
}

// -------------------------------------------------------------------------------------------------
// Chunking
// -------------------------------------------------------------------------------------------------

/** Where to cut a body: fractions of it, picks among awkward places, a 1-byte region, 64 KiB cuts. */
interface Cuts {
  readonly at: ReadonlyArray<number>
  readonly picks: ReadonlyArray<number>
  readonly bytewise: { readonly start: number; readonly length: number } | null
  readonly network: boolean
}

const fraction = fc.double({ min: 0, max: 1, noNaN: true })

const cuts: fc.Arbitrary<Cuts> = fc.record({
  at: fc.array(fraction, { maxLength: 12 }),
  picks: fc.array(fc.nat(), { maxLength: 8 }),
  bytewise: fc.option(fc.record({ start: fraction, length: fc.integer({ min: 1, max: 2500 }) }), { freq: 3 }),
  network: fc.boolean()
})

/** Offsets that cut inside a multi-byte character or just after a backslash. */
const awkward = (bytes: Uint8Array): ReadonlyArray<number> => {
  const out: Array<number> = []
  for (let i = 1; i < bytes.length; i++) {
    if ((bytes[i]! & 0xc0) === 0x80 || bytes[i - 1] === 0x5c) out.push(i)
  }
  return out
}

/** `bytes` as views of it cut where `plan` says (equal offsets give empty chunks). */
const split = (bytes: Uint8Array, plan: Cuts): Array<Uint8Array> => {
  const positions: Array<number> = []
  for (const f of plan.at) positions.push(Math.min(bytes.length, Math.floor(f * (bytes.length + 1))))
  if (plan.picks.length > 0) {
    const places = awkward(bytes)
    if (places.length > 0) for (const pick of plan.picks) positions.push(places[pick % places.length]!)
  }
  if (plan.bytewise !== null) {
    const start = Math.floor(plan.bytewise.start * bytes.length)
    for (let i = 0; i < plan.bytewise.length && start + i <= bytes.length; i++) positions.push(start + i)
  }
  if (plan.network) for (let at = 65536; at < bytes.length; at += 65536) positions.push(at)
  positions.sort((a, b) => a - b)
  const chunks: Array<Uint8Array> = []
  let previous = 0
  for (const at of positions) {
    chunks.push(bytes.subarray(previous, at))
    previous = at
  }
  chunks.push(bytes.subarray(previous))
  return chunks
}

/** Fixed-size chunks, as a socket delivers them. */
const every = (bytes: Uint8Array, size: number): Array<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, Math.min(bytes.length, at + size)))
  return chunks
}

/** 1-byte chunks over `[from, to)`, 64 KiB chunks elsewhere. */
const bytewiseOver = (bytes: Uint8Array, from: number, to: number): Array<Uint8Array> => [
  ...every(bytes.subarray(0, from), 65536),
  ...every(bytes.subarray(from, to), 1),
  ...every(bytes.subarray(to), 65536)
]

// -------------------------------------------------------------------------------------------------
// Documents
// -------------------------------------------------------------------------------------------------

/** A JSON document as written, so it can hold duplicate keys and any spelling of a number. */
type Node =
  | { readonly _tag: "raw"; readonly text: string }
  | { readonly _tag: "string"; readonly value: string }
  | { readonly _tag: "array"; readonly items: ReadonlyArray<Node> }
  | { readonly _tag: "object"; readonly members: ReadonlyArray<readonly [string, Node]> }

const raw = (text: string): Node => ({ _tag: "raw", text })
const str = (value: string): Node => ({ _tag: "string", value })
const arr = (items: ReadonlyArray<Node>): Node => ({ _tag: "array", items })
const obj = (members: ReadonlyArray<readonly [string, Node]>): Node => ({ _tag: "object", members })

/** What strings are made of: every structural character, escapes, and 2-, 3- and 4-byte UTF-8. */
const units = [
  "\"",
  "\\",
  ",",
  ":",
  "{",
  "}",
  "[",
  "]",
  "\n",
  "\u2028",
  "é",
  "日",
  "😀",
  "\uFEFF",
  "a",
  " ",
  "/",
  "\t",
  "\u0000",
  "\\u",
  "0"
] as const

const text = (maxLength: number) => fc.array(fc.constantFrom(...units), { maxLength }).map((parts) => parts.join(""))

const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom(
    "-0",
    "0.5",
    "1E+2",
    "1e-7",
    "-12.5E3",
    "0e0",
    "-0.0",
    "123456789012345678901234567890",
    "5e-324",
    "1.7976931348623157e308",
    "2e308"
  )
)

const leaf: fc.Arbitrary<Node> = fc.oneof(
  text(12).map(str),
  numberText.map(raw),
  fc.constantFrom("true", "false", "null").map(raw)
)

const key = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "", "toString", "0", "7", "10", "4294967295", "-1", "1.5", "id", "a"),
  text(6)
)

const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node; array: Node; object: Node }>((tie) => ({
  node: fc.oneof({ maxDepth: 4, depthIdentifier: "node" }, leaf, tie("array"), tie("object")),
  array: fc.array(tie("node"), { maxLength: 5, depthIdentifier: "node" }).map(arr),
  object: fc.array(fc.tuple(key, tie("node")), { maxLength: 5, depthIdentifier: "node" }).map(obj)
})).node

type FaultKind = "trailing" | "leading" | "double" | "missing" | "colon" | "close" | "key" | "value"

/** A fault written into the `at`-th container (in document order). */
interface Fault {
  readonly kind: FaultKind
  readonly at: number
}

interface Style {
  /** Pretty-printing unit, as `JSON.stringify`'s third argument. */
  readonly indent: string | undefined
  /** JSON whitespace written around tokens, in turn. */
  readonly noise: ReadonlyArray<string>
  /** 0: as `JSON.stringify`; 1: everything outside ASCII as `\uXXXX`; 2: also `/` as `\/`. */
  readonly escape: 0 | 1 | 2
  /** Which gap between tokens gets 33,000 bytes of whitespace (-1: none). */
  readonly gap: number
  readonly fault: Fault | undefined
}

const compact: Style = { indent: undefined, noise: [], escape: 0, gap: -1, fault: undefined }

const bigSpace = " \n\t\r".repeat(8250)

const quote = (value: string, escape: 0 | 1 | 2): string => {
  const quoted = JSON.stringify(value)
  if (escape === 0) return quoted
  const ascii = quoted.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
  return escape === 1 ? ascii : ascii.replace(/\//g, "\\/")
}

const badKeys = ["1", "null", "[1]", "{}", "a", "'a'", "true"] as const

/** The document's text in `style`. */
const serialize = (root: Node, style: Style): string => {
  const out: Array<string> = []
  let gaps = 0
  let containers = 0
  const space = () => {
    let s = style.noise.length === 0 ? "" : style.noise[gaps % style.noise.length]!
    if (gaps === style.gap) s += bigSpace
    gaps++
    out.push(s)
  }
  const line = (depth: number) => {
    if (style.indent !== undefined) out.push("\n" + style.indent.repeat(depth))
  }
  const write = (n: Node, depth: number): void => {
    switch (n._tag) {
      case "raw":
        out.push(n.text)
        return
      case "string":
        out.push(quote(n.value, style.escape))
        return
      case "array": {
        const index = containers++
        const fault = style.fault !== undefined && style.fault.at === index ? style.fault.kind : undefined
        out.push("[")
        if (fault === "leading") out.push(",")
        n.items.forEach((item, i) => {
          if (i > 0) out.push(fault === "missing" ? " " : fault === "colon" ? ":" : fault === "double" ? ",," : ",")
          space()
          line(depth + 1)
          if (fault === "key" && i === 0) out.push("\"k\":")
          if (!(fault === "value" && i === 0)) write(item, depth + 1)
          space()
        })
        if (fault === "trailing" || (fault === "double" && n.items.length < 2)) out.push(",")
        if (n.items.length > 0) line(depth)
        out.push(fault === "close" ? "}" : "]")
        return
      }
      case "object": {
        const index = containers++
        const fault = style.fault !== undefined && style.fault.at === index ? style.fault.kind : undefined
        out.push("{")
        if (fault === "leading") out.push(",")
        n.members.forEach(([name, value], i) => {
          if (i > 0) out.push(fault === "double" ? ",," : fault === "colon" ? ":" : ",")
          space()
          line(depth + 1)
          out.push(fault === "key" && i === 0 ? badKeys[index % badKeys.length]! : quote(name, style.escape))
          space()
          if (!(fault === "missing" && i === 0)) out.push(":")
          space()
          if (!(fault === "value" && i === 0)) write(value, depth + 1)
          space()
        })
        if (fault === "trailing" || (fault === "double" && n.members.length < 2)) out.push(",")
        if (n.members.length > 0) line(depth)
        out.push(fault === "close" ? "]" : "}")
        return
      }
    }
  }
  space()
  write(root, 0)
  space()
  return out.join("")
}

const size = (n: Node) => serialize(n, compact).length

/** Elements `element(0)`, `element(1)`, … until they take at least `target` characters. */
const many = (target: number, element: (i: number) => Node): Array<Node> => {
  const items: Array<Node> = []
  let total = 0
  for (let i = 0; total < target && i < 50_000; i++) {
    const item = element(i)
    items.push(item)
    total += size(item) + 1
  }
  return items
}

/** A string of at least `length` characters drawn from every unit. */
const bigString = (length: number, seed: number): string => {
  const parts: Array<string> = []
  let total = 0
  for (let i = 0; total < length; i++) {
    const unit = units[(i * 7 + seed) % units.length]!
    parts.push(unit)
    total += unit.length
  }
  return parts.join("")
}

type Shape = "array" | "leads" | "search" | "members" | "nested" | "string" | "bigMember" | "siblings"

interface Plan {
  readonly shape: Shape
  readonly pool: ReadonlyArray<Node>
  readonly keys: ReadonlyArray<string>
  readonly target: number
  readonly wraps: ReadonlyArray<boolean>
}

const pagination = obj([
  ["pagination", obj([["start", raw("0")], ["limit", raw("500")], ["more_items_in_collection", raw("true")], ["next_start", raw("500")]])]
])

/** A document of at least `plan.target` characters, built from the generated pieces. */
const build = (plan: Plan): Node => {
  const { keys, pool, target } = plan
  const item = (i: number) => pool[i % pool.length]!
  const name = (i: number) => keys[i % keys.length]!
  const record = (i: number) =>
    obj([["id", raw(String(i))], [name(i), item(i)], ["title", str(`Lead ${i} ${name(i + 1)}`)], [name(i + 2), item(i + 1)]])
  switch (plan.shape) {
    case "array":
      return arr(many(target, item))
    case "leads":
      return obj([["success", raw("true")], ["data", arr(many(target, record))], ["additional_data", pagination]])
    case "search":
      return obj([
        ["data", obj([["items", arr(many(target, (i) => obj([["result_score", raw(`${i}.5`)], ["item", record(i)]])))]])],
        ["additional_data", obj([["next_cursor", raw("null")]])]
      ])
    case "members": {
      // Every third member reuses a generated key, so duplicates are common.
      const members: Array<readonly [string, Node]> = []
      let total = 0
      for (let i = 0; total < target; i++) {
        const member = [i % 3 === 0 ? name(i) : `${name(i)}${i}`, item(i)] as const
        members.push(member)
        total += JSON.stringify(member[0]).length + size(member[1]) + 2
      }
      return obj(members)
    }
    case "nested": {
      // One element larger than a piece, `wraps.length` levels down.
      let inner = arr(many(target, record))
      plan.wraps.forEach((asObject, level) => {
        inner = asObject
          ? obj([[name(level), item(level)], [name(level + 1), inner], ["__proto__", item(level + 1)]])
          : arr([item(level), inner, item(level + 2)])
      })
      return inner
    }
    case "string":
      return str(bigString(target, keys.length))
    case "bigMember":
      return obj([
        [name(0), item(0)],
        [name(1), str(bigString(target, pool.length))],
        ["rest", arr(many(target / 2, item))],
        [name(2), item(1)]
      ])
    case "siblings":
      // Several elements larger than a piece next to small ones, at the two outer levels and below.
      return arr([
        item(0),
        arr(many(target / 2, item)),
        arr(many(target / 2, record)),
        item(1),
        obj([[name(0), arr(many(target / 2, item))], [name(1), item(2)], [name(2), obj([["x", arr(many(target / 2, record))]])]])
      ])
  }
}

const plan = (minimum: number, maximum: number): fc.Arbitrary<Plan> =>
  fc.record({
    shape: fc.constantFrom<Shape>("array", "leads", "search", "members", "nested", "string", "bigMember", "siblings"),
    pool: fc.array(node, { minLength: 1, maxLength: 6 }),
    keys: fc.array(key, { minLength: 1, maxLength: 6 }),
    target: fc.integer({ min: minimum, max: maximum }),
    wraps: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 })
  })

const whitespace = fc.constantFrom("", " ", "\n", "\t", "\r\n", "  \n\t ", "\n        ")

const style: fc.Arbitrary<Omit<Style, "fault">> = fc.record({
  indent: fc.constantFrom(undefined, "  ", "\t", "    "),
  noise: fc.oneof(fc.constant([]), fc.array(whitespace, { minLength: 1, maxLength: 5 })),
  escape: fc.constantFrom<0 | 1 | 2>(0, 0, 1, 2),
  gap: fc.oneof({ arbitrary: fc.constant(-1), weight: 4 }, { arbitrary: fc.nat({ max: 3000 }), weight: 1 })
})

const bom = Uint8Array.of(0xef, 0xbb, 0xbf)

// -------------------------------------------------------------------------------------------------
// Pipedrive-like pages
// -------------------------------------------------------------------------------------------------

const uuid = (i: number) => {
  const hex = (i * 2654435761 >>> 0).toString(16).padStart(8, "0")
  return `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-8${hex.slice(5, 8)}-${hex}${hex.slice(0, 4)}`
}

const lead = (i: number) => ({
  id: uuid(i),
  title: `Lead ${i} — Café Zürich 日本 😀 "quoted", {braces} [brackets] back\\slash`,
  owner_id: 1000 + (i % 17),
  creator_id: 7,
  label_ids: [uuid(i + 1), uuid(i + 2)],
  person_id: i % 3 === 0 ? null : 500 + i,
  organization_id: i % 5 === 0 ? null : 900 + i,
  source_name: "API",
  origin: "API",
  origin_id: null,
  channel: i % 2 === 0 ? 4 : null,
  channel_id: null,
  is_archived: false,
  was_seen: i % 2 === 0,
  value: i % 4 === 0 ? null : { amount: i * 12.5 + 0.25, currency: "EUR" },
  expected_close_date: i % 6 === 0 ? null : "2025-06-30",
  next_activity_id: i % 7 === 0 ? 10_000 + i : null,
  add_time: "2024-01-02T03:04:05.000Z",
  update_time: "2024-11-12T13:14:15.678Z",
  visible_to: "3",
  cc_email: `company+${i}+lead@pipedrivemail.com`,
  ["9f2c7e1b4a6d8e0f1a2b3c4d5e6f7a8b9c0d1e2f"]: `Region ${i % 9}: Île-de-France\u2028line`,
  ["0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"]: i % 2 === 0 ? 191 : null,
  notes: `First line\nSecond line: a, b; c {d} [e] \\"f\\" \uFEFF ${"·".repeat(i % 40)}`
})

const leadsPage = (count: number) => ({
  success: true,
  data: Array.from({ length: count }, (_, i) => lead(i)),
  additional_data: { pagination: { start: 0, limit: count, more_items_in_collection: true, next_start: count } },
  related_objects: { user: { "1000": { id: 1000, name: "Ana Ñúñez", email: "ana@example.com", has_pic: 0, active_flag: true } } }
})

// -------------------------------------------------------------------------------------------------
// Tests
// -------------------------------------------------------------------------------------------------

describe("parseJson", () => {
  describe("valid documents larger than a piece", () => {
    it("returns what JSON.parse of the whole decoded text returns, however the bytes are chunked", () => {
      fc.assert(
        fc.property(plan(33_000, 90_000), style, cuts, fc.boolean(), (p, s, c, withBom) => {
          const body = utf8(serialize(build(p), { ...s, fault: undefined }))
          expect(body.length).toBeGreaterThan(pieceBytes)
          const bytes = withBom ? concat([bom, body]) : body
          expect(agree(split(bytes, c))).toBe(true)
        }),
        { numRuns: 50 }
      )
    })

    it("handles JSON.stringify output, compact and indented, of documents with __proto__ keys", () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(key, node), { minLength: 1, maxLength: 6 }),
          fc.constantFrom<number | undefined>(undefined, 2),
          cuts,
          (members, indent, c) => {
            // A real object for JSON.stringify: `__proto__` defined as an own key.
            const element: Record<string, unknown> = {}
            for (const [name, n] of members) {
              Object.defineProperty(element, name, {
                value: JSON.parse(serialize(n, compact)),
                enumerable: true,
                writable: true,
                configurable: true
              })
            }
            const one = JSON.stringify(element).length + 1
            const count = Math.ceil(40_000 / one)
            const document = {
              success: true,
              data: Array.from({ length: count }, () => element),
              additional_data: { big: [element, Array.from({ length: count }, () => element)] }
            }
            const value = expectParsesLikeOracle(split(utf8(JSON.stringify(document, null, indent)), c)) as {
              readonly data: ReadonlyArray<object>
            }
            for (const item of value.data) expect(Object.getPrototypeOf(item)).toBe(Object.prototype)
          }
        ),
        { numRuns: 25 }
      )
    })

    it("agrees at the piece size: children, runs and bodies of about pieceBytes bytes", () => {
      const span = fc.oneof(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: pieceBytes / 2 - 4, max: pieceBytes / 2 + 4 }),
        fc.integer({ min: pieceBytes - 4, max: pieceBytes + 4 })
      )
      fc.assert(
        fc.property(
          fc.array(span, { minLength: 1, maxLength: 5 }),
          fc.constantFrom("array", "object", "nested"),
          fc.constantFrom("none", "trailing", "double", "close", "leading"),
          cuts,
          (spans, kind, corruption, c) => {
            // Each element is a string literal taking exactly `span` bytes, escapes included.
            const element = (n: number, i: number) => {
              const body = n - 2
              const escapes = Math.min(i, Math.floor(body / 2))
              return `"${"\\\"".repeat(escapes)}${"a".repeat(body - 2 * escapes)}"`
            }
            let items = spans.map(element)
            if (kind === "object") items = items.map((item, i) => `"${i}":${item}`)
            if (kind === "nested") items = items.map((item, i) => (i % 2 === 0 ? `[${item}]` : item))
            let inside = items.join(",")
            if (corruption === "trailing") inside += ","
            if (corruption === "double") inside = inside.replace(",", ",,")
            if (corruption === "leading") inside = "," + inside
            const [open, close] = kind === "object" ? ["{", "}"] : ["[", "]"]
            const textual = open + inside + (corruption === "close" ? (close === "]" ? "}" : "]") : close)
            agree(split(utf8(textual), c))
          }
        ),
        { numRuns: 80 }
      )
    })
  })

  describe("invalid documents larger than a piece", () => {
    const junk: ReadonlyArray<Uint8Array> = [
      ...[",", ":", "]", "}", "[", "{", "\"", "\\", "x", "1", " ", "\n", "\t", "\r", "\u00a0", "\uFEFF", "\u2028"].map(utf8),
      Uint8Array.of(0xff),
      Uint8Array.of(0xc3),
      Uint8Array.of(0xe6, 0x97),
      Uint8Array.of(0xf0, 0x9f, 0x98),
      Uint8Array.of(0xed, 0xa0, 0x80),
      Uint8Array.of(0x80)
    ]
    const trailers = [",1", " x", "]", "}", "{}", "\"a\"", "[]", " \n\t", "\u00a0", "\uFEFF", "0", ","]

    type Edit = "replace" | "insert" | "delete" | "truncate" | "append"

    const mutation = fc.record({
      edit: fc.constantFrom<Edit>("replace", "replace", "insert", "insert", "delete", "truncate", "append"),
      at: fraction,
      where: fc.constantFrom("anywhere", "structural", "outer"),
      pick: fc.nat(),
      junk: fc.nat({ max: junk.length - 1 }),
      trailer: fc.constantFrom(...trailers)
    })

    const isStructural = (byte: number) =>
      byte === 0x2c || byte === 0x3a || byte === 0x5b || byte === 0x5d || byte === 0x7b || byte === 0x7d ||
      byte === 0x22 || byte === 0x5c

    /**
     * Where to aim an edit: any structural byte, or only the brackets, commas and colons of the
     * three outer levels (found by tracking strings and depth; only a choice of place, the
     * outcome is still the oracle's).
     */
    const places = (bytes: Uint8Array, outer: boolean): Array<number> => {
      const out: Array<number> = []
      let depth = 0
      let inString = false
      let escaped = false
      for (let i = 0; i < bytes.length; i++) {
        const byte = bytes[i]!
        if (!outer) {
          if (isStructural(byte)) out.push(i)
        } else if (inString) {
          if (escaped) escaped = false
          else if (byte === 0x5c) escaped = true
          else if (byte === 0x22) inString = false
        } else if (byte === 0x22) {
          inString = true
        } else if (byte === 0x5b || byte === 0x7b) {
          if (depth++ < 3) out.push(i)
        } else if (byte === 0x5d || byte === 0x7d) {
          if (--depth < 3) out.push(i)
        } else if ((byte === 0x2c || byte === 0x3a) && depth <= 3) {
          out.push(i)
        }
      }
      return out
    }

    it("throws exactly when JSON.parse throws after one byte is replaced, inserted or deleted", () => {
      const outcomes = { valid: 0, invalid: 0 }
      fc.assert(
        fc.property(plan(33_000, 60_000), style, mutation, cuts, (p, s, m, c) => {
          const bytes = utf8(serialize(build(p), { ...s, fault: undefined }))
          let position = Math.min(bytes.length - 1, Math.floor(m.at * bytes.length))
          if (m.where !== "anywhere") {
            const targets = places(bytes, m.where === "outer")
            if (targets.length > 0) position = targets[m.pick % targets.length]!
          }
          const before = bytes.subarray(0, position)
          const mutated = m.edit === "replace"
            ? concat([before, junk[m.junk]!, bytes.subarray(position + 1)])
            : m.edit === "insert"
            ? concat([before, junk[m.junk]!, bytes.subarray(position)])
            : m.edit === "delete"
            ? concat([before, bytes.subarray(position + 1)])
            : m.edit === "truncate"
            ? before
            : concat([bytes, utf8(m.trailer)])
          outcomes[agree(split(mutated, c)) ? "valid" : "invalid"]++
        }),
        { numRuns: 100 }
      )
      // The edits must produce both kinds of document, or the property checks only one side.
      expect(outcomes.valid).toBeGreaterThan(0)
      expect(outcomes.invalid).toBeGreaterThan(0)
    })

    it("throws exactly when JSON.parse throws on trailing commas, empty elements, missing colons, bad keys and mismatched brackets", () => {
      const outcomes = { valid: 0, invalid: 0 }
      const fault: fc.Arbitrary<Fault> = fc.record({
        kind: fc.constantFrom<FaultKind>("trailing", "leading", "double", "missing", "colon", "close", "key", "value"),
        // The outer containers, which are the large ones, most of the time.
        at: fc.oneof(
          { arbitrary: fc.constant(0), weight: 3 },
          { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 2 },
          { arbitrary: fc.nat({ max: 3000 }), weight: 2 }
        )
      })
      fc.assert(
        fc.property(plan(33_000, 60_000), style, fault, cuts, (p, s, f, c) => {
          const bytes = utf8(serialize(build(p), { ...s, fault: f }))
          outcomes[agree(split(bytes, c)) ? "valid" : "invalid"]++
        }),
        { numRuns: 100 }
      )
      expect(outcomes.invalid).toBeGreaterThan(0)
    })

    it("throws like JSON.parse on hand-made malformed large documents", () => {
      const big = JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ i, s: "x,y:{z}[w]" })))
      const inner = big.slice(1, -1)
      const cases = [
        `[${inner}}`, // mismatched outer brackets
        `{"a":${big.slice(0, -1)}}}`, // an array member closed by a brace
        `[{"a":${big}],1]`, // a large element opened with { and closed with ]
        `[1,{"a":1],${inner}]`, // a small element opened with { and closed with ]
        `[${inner},]`, // trailing comma
        `[${inner},,1]`, // empty element
        `[1,,${inner}]`,
        `[${inner},,${inner}]`,
        `[,${inner}]`,
        `{"a" ${big}}`, // missing colon before a large value
        `{"a":1,"b" 2,"c":${big}}`, // missing colon in a small run
        `{1:${big}}`, // non-string keys
        `{null:1,"b":${big}}`,
        `{[1,2]:${big}}`,
        `{"a":${big},"b"}`, // a key with no value
        `{"a":${big}:1}`,
        `{"a":${big},}`,
        `{"a"::${big}}`,
        `{"a":}`.replace("}", `${" ".repeat(40_000)}}`),
        `${big}]`, // a closing bracket too many
        `${big} ${big}`, // two roots
        `${big}x`,
        `${big},`,
        `[${inner}`, // unterminated
        `[${inner},"abc]`,
        `"${"a".repeat(40_000)}`, // an unterminated large string
        `"${"a".repeat(40_000)}"x`,
        `[${inner},\u00a0${inner}]`, // whitespace JSON does not allow
        `[\u2028${inner}]`,
        `[[${inner}] [${inner}]]`, // two values where one element belongs
        `[{"a":[${inner}]} {"b":1}]`,
        `[[${inner}],[${inner}]`,
        `{"a":[[${inner}]]}]`
      ]
      for (const textual of cases) {
        const bytes = utf8(textual)
        expect(bytes.length).toBeGreaterThan(pieceBytes)
        expectThrowsLikeOracle([bytes])
        expectThrowsLikeOracle(every(bytes, 4096))
      }
    })

    it("throws on a wrong separator next to an element larger than a piece", () => {
      const big = JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ i, s: "x,y:{z}[w]" })))
      const cases = [
        `[${big}:1]`,
        `[1:${big}]`,
        `[${big}:${big}]`,
        `[1,${big}:2,3]`,
        `{"a":1:"b":${big}}`,
        `{"a":${big}:"b":1}`,
        `{"a":${big}:"b":${big}}`,
        `{"a",${big}}`,
        `{"a":1,"b",${big}}`,
        `{"a":${big},"b",1}`,
        `{"a":${big},"b":1,"c"}`,
        `{"a":${big},"b"}`,
        `{"a":${big},"b":1:2}`,
        `{"success":true:"data":${big}:"additional_data":{}}`
      ]
      for (const textual of cases) {
        expectThrowsLikeOracle([utf8(textual)])
        expectThrowsLikeOracle(every(utf8(textual), 1000))
      }
    })

    it("throws on bytes JSON does not allow as whitespace next to an element larger than a piece", () => {
      const big = utf8(JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ i, s: "x" }))))
      const stray = [
        Uint8Array.of(0xa0),
        Uint8Array.of(0xc2, 0xa0),
        Uint8Array.of(0x80),
        Uint8Array.of(0xff),
        Uint8Array.of(0x0b),
        Uint8Array.of(0x0c),
        Uint8Array.of(0x00),
        bom,
        utf8(" "),
        utf8("　")
      ]
      for (const bytes of stray) {
        const cases = [
          [utf8("["), bytes, big, utf8("]")],
          [utf8("["), big, bytes, utf8("]")],
          [utf8("[1,"), bytes, big, utf8(",2]")],
          [utf8("{\"a\":"), bytes, big, utf8("}")],
          [utf8("{\"a\":"), big, bytes, utf8("}")],
          [utf8("{"), bytes, utf8("\"a\":"), big, utf8("}")],
          [bytes, big],
          [big, bytes],
          [utf8("[[1],"), bytes, big, utf8("]")]
        ]
        for (const parts of cases) {
          // Only a byte-order mark at the very start is allowed (and dropped).
          const valid = bytes === bom && parts[0] === bom
          expect(agree([concat(parts)])).toBe(valid)
          expect(agree(parts)).toBe(valid)
        }
      }
    })
  })

  describe("edge cases", () => {
    it("reads an empty container holding more than a piece of whitespace as empty", () => {
      const spaces = " ".repeat(70_000)
      const mixed = " \n\t\r".repeat(17_500)
      expect(expectParsesLikeOracle([utf8(`[${spaces}]`)])).toStrictEqual([])
      expect(expectParsesLikeOracle([utf8(`{${spaces}}`)])).toStrictEqual({})
      expect(expectParsesLikeOracle(every(utf8(`${mixed}[${mixed}]${mixed}`), 1000))).toStrictEqual([])
      expect(expectParsesLikeOracle(every(utf8(`{${mixed}}${mixed}`), 777))).toStrictEqual({})
      expect(expectParsesLikeOracle([utf8(`[${spaces}[${spaces}]${spaces}]`)])).toStrictEqual([[]])
      expect(expectParsesLikeOracle([utf8(`{"a":${spaces}{${spaces}}}`)])).toStrictEqual({ a: {} })
      expect(expectParsesLikeOracle([utf8(`[${spaces}1${spaces}]`)])).toStrictEqual([1])
      expect(expectParsesLikeOracle([utf8(`{${spaces}"a"${spaces}:${spaces}1${spaces}}`)])).toStrictEqual({ a: 1 })
    })

    it("throws on a lone comma or key in a container padded past a piece", () => {
      const spaces = " ".repeat(70_000)
      for (
        const textual of [
          `[${spaces},1]`,
          `[1,${spaces}]`,
          `[${spaces},${spaces}]`,
          `[${spaces},]`,
          `{${spaces},"a":1}`,
          `{"a":1,${spaces}}`,
          `{${spaces}"a"${spaces}}`,
          `{${spaces}:1}`,
          `{"a":${spaces}}`,
          `[${spaces}]]`,
          `[${spaces}}`,
          `{${spaces}]`,
          `[${spaces}`
        ]
      ) {
        expectThrowsLikeOracle([utf8(textual)])
        expectThrowsLikeOracle(every(utf8(textual), 10_000))
      }
    })

    it("drops a leading byte-order mark and rejects one anywhere else outside strings", () => {
      const big = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ i, s: "\uFEFF" })))
      const bytes = utf8(big)
      const withBom = concat([bom, bytes])
      expectSame(expectParsesLikeOracle([withBom]), JSON.parse(big))
      // The mark cut into 1-byte chunks.
      expectSame(expectParsesLikeOracle([withBom.subarray(0, 1), withBom.subarray(1, 2), withBom.subarray(2)]), JSON.parse(big))
      expectSame(expectParsesLikeOracle([bom, utf8("\"\uFEFF\"")]), "\uFEFF")
      expectSame(expectParsesLikeOracle([bom, utf8(" 12 ")]), 12)
      const elsewhere = [
        `\uFEFF\uFEFF${big}`,
        `[\uFEFF${big.slice(1)}`,
        `${big.slice(0, -1)}\uFEFF]`,
        `${big.slice(0, 1000)},\uFEFF${big.slice(1001)}`,
        `${big}\uFEFF`,
        ` \uFEFF${big}`
      ]
      for (const textual of elsewhere) {
        expectThrowsLikeOracle([utf8(textual)])
        expectThrowsLikeOracle(every(utf8(textual), 1))
      }
      // Only part of a mark: malformed, like any other stray bytes.
      expectThrowsLikeOracle([Uint8Array.of(0xef, 0xbb), bytes])
      expectThrowsLikeOracle([Uint8Array.of(0xef, 0xbb, 0x20), bytes])
      expectThrowsLikeOracle([bom])
      expectThrowsLikeOracle([bom, utf8("   ")])
    })

    it("throws a SyntaxError on an empty body, like JSON.parse(\"\")", () => {
      expect(() => JSON.parse("")).toThrow(SyntaxError)
      expect(() => parseJson([new Uint8Array(0)])).toThrow(SyntaxError)
      expect(() => parseJson([new Uint8Array(0), new Uint8Array(0)])).toThrow(SyntaxError)
      expect(() => parseJson([])).toThrow(SyntaxError)
    })

    it("throws on a body of whitespace only, short or longer than a piece", () => {
      for (const textual of [" ", "\n\t\r ", " ".repeat(pieceBytes), " \n".repeat(40_000)]) {
        expectThrowsLikeOracle([utf8(textual)])
        expectThrowsLikeOracle(every(utf8(textual), 5000))
      }
    })

    it("parses large top-level strings and padded top-level scalars", () => {
      const long = bigString(100_000, 3)
      expectSame(expectParsesLikeOracle(every(utf8(JSON.stringify(long)), 3001)), long)
      expectSame(expectParsesLikeOracle(every(utf8(quote(long, 2)), 4096)), long)
      const padding = " \n".repeat(20_000)
      expectSame(expectParsesLikeOracle(every(utf8(`${padding}${JSON.stringify(long)}${padding}`), 65536)), long)
      expectSame(expectParsesLikeOracle([utf8(`${padding}123.5e3${padding}`)]), 123500)
      expectSame(expectParsesLikeOracle([utf8("42")]), 42)
      expect(Object.is(expectParsesLikeOracle([utf8(`${padding}-0${padding}`)]), -0)).toBe(true)
      expectSame(expectParsesLikeOracle(every(utf8(`${padding}null${padding}`), 1000)), null)
      expectSame(expectParsesLikeOracle([utf8(`${padding}true`)]), true)
      expectThrowsLikeOracle([utf8(`${padding}tru${padding}`)])
      expectThrowsLikeOracle([utf8(`${padding}1 2${padding}`)])
    })

    it("keeps the first position and the last value of a duplicated key, whatever the sizes", () => {
      const big = Array.from({ length: 4000 }, (_, i) => [i, "dup"])
      const bigText = JSON.stringify(big)
      const filler = Array.from({ length: 4000 }, (_, i) => `"f${i}":${i}`).join(",")
      const cases = [
        `{"a":1,"b":2,"a":${bigText}}`,
        `{"a":${bigText},"b":2,"a":3}`,
        `{"a":${bigText},"b":2,"a":${bigText.replace("dup", "second")}}`,
        `{"a":1,${filler},"a":2,"b":${bigText}}`,
        `{"z":0,"a":1,${filler},"a":${bigText},"0":5,"a":{"last":true}}`
      ]
      for (const textual of cases) {
        const value = expectParsesLikeOracle(every(utf8(textual), 8192)) as Record<string, unknown>
        expect(Object.keys(value).indexOf("a")).toBe(Object.keys(JSON.parse(textual)).indexOf("a"))
      }
      const last = expectParsesLikeOracle([utf8(cases[0]!)]) as Record<string, unknown>
      expect(Object.keys(last)).toStrictEqual(["a", "b"])
      expect(last["a"]).toStrictEqual(big)
      expect((expectParsesLikeOracle([utf8(cases[1]!)]) as Record<string, unknown>)["a"]).toBe(3)
    })

    it("makes __proto__ an own property, even with a value larger than a piece", () => {
      const big = JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ i, polluted: true })))
      const bigObject = `{"polluted":true,"items":${big}}`
      const cases = [
        `{"__proto__":${big}}`,
        `{"x":1,"__proto__":${bigObject},"y":2}`,
        `{"__proto__":1,"big":${big},"__proto__":${bigObject}}`,
        `[${big.slice(1, -1)},{"__proto__":{"polluted":true}}]`,
        `{"data":[{"__proto__":${bigObject}}]}`
      ]
      for (const textual of cases) {
        const value = expectParsesLikeOracle(every(utf8(textual), 5000))
        expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
        const objects = Array.isArray(value) ? value.slice(-1) : [value]
        for (const o of objects) expect(Object.getPrototypeOf(o)).toBe(Object.prototype)
      }
      const value = parseJson([utf8(cases[1]!)]) as Record<string, unknown>
      expect(Object.keys(value)).toStrictEqual(["x", "__proto__", "y"])
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
      expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toStrictEqual(JSON.parse(bigObject))
      expect((value as { polluted?: unknown }).polluted).toBeUndefined()
    })

    it("reads malformed UTF-8 inside strings as U+FFFD, a character split between chunks or not", () => {
      const bad = [
        Uint8Array.of(0xff),
        Uint8Array.of(0xc3),
        Uint8Array.of(0xe6, 0x97),
        Uint8Array.of(0xf0, 0x9f, 0x98),
        Uint8Array.of(0xed, 0xa0, 0x80),
        Uint8Array.of(0x80, 0x80),
        Uint8Array.of(0xc0, 0xa2) // an overlong quote, which must not end the string
      ]
      const parts: Array<Uint8Array> = [utf8("[")]
      for (let i = 0; i < 3000; i++) {
        if (i > 0) parts.push(utf8(","))
        parts.push(utf8(`"é${i}`), bad[i % bad.length]!, utf8("😀,:]}\""))
      }
      parts.push(utf8("]"))
      const bytes = concat(parts)
      expect(bytes.length).toBeGreaterThan(pieceBytes)
      const value = expectParsesLikeOracle(every(bytes, 7)) as ReadonlyArray<string>
      expect(value[0]).toBe("é0\uFFFD😀,:]}")
      expectParsesLikeOracle([bytes])
      expectParsesLikeOracle(every(bytes, 65536))
      // Outside strings the same bytes are an error.
      expectThrowsLikeOracle([utf8(new TextDecoder().decode(bytes).slice(0, -1)), Uint8Array.of(0xff), utf8("]")])
      expectThrowsLikeOracle([bytes.subarray(0, 1), Uint8Array.of(0xc3), bytes.subarray(1)])
    })

    it("parses a 350 kB page of 500 leads in 64 KiB chunks and partly in 1-byte chunks", () => {
      const page = leadsPage(500)
      const textual = JSON.stringify(page)
      const bytes = utf8(textual)
      expect(bytes.length).toBeGreaterThan(300_000)
      expectSame(expectParsesLikeOracle(every(bytes, 65536)), page)
      expectSame(expectParsesLikeOracle(bytewiseOver(bytes, 100_000, 140_000)), page)
      expectSame(expectParsesLikeOracle(bytewiseOver(bytes, 0, 3000)), page)
      expectSame(expectParsesLikeOracle(bytewiseOver(bytes, bytes.length - 3000, bytes.length)), page)
      expectSame(expectParsesLikeOracle(every(utf8(JSON.stringify(page, null, 2)), 16384)), page)
      // The v2 search shape: the large array two levels down.
      const search = { success: true, data: { items: page.data.map((item, i) => ({ result_score: i / 7, item })) } }
      expectSame(expectParsesLikeOracle(every(utf8(JSON.stringify(search)), 65536)), search)
      // One lead cut off: the page is truncated.
      expectThrowsLikeOracle(every(bytes.subarray(0, 200_000), 65536))
    })

    it("parses nesting of several levels each larger than a piece", () => {
      const leaf = leadsPage(60).data
      let value: unknown = leaf
      for (let level = 0; level < 6; level++) value = level % 2 === 0 ? { [`level${level}`]: value, n: level } : [level, value, "end"]
      expectSame(expectParsesLikeOracle(every(utf8(JSON.stringify(value)), 9999)), value)
      expectSame(expectParsesLikeOracle(every(utf8(JSON.stringify(value, null, "\t")), 65536)), value)
    })

    it("parses deeply nested documents larger than a piece, as JSON.parse does", () => {
      // JSON.parse takes any depth; so must parseJson.
      const depth = 20_000
      const textual = "[".repeat(depth) + "]".repeat(depth)
      expect(oracle(utf8(textual)).ok).toBe(true)
      const result = attempt(() => parseJson([utf8(textual)]))
      expect(outcomeOf(result)).toBe("parsed")
      let levels = 0
      for (let at: unknown = result.ok ? result.value : undefined; Array.isArray(at); at = at[0]) levels++
      expect(levels).toBe(depth)
    })

    it("parses objects nested a few thousand levels around a string larger than a piece", () => {
      const depth = 5000
      const textual = "{\"a\":".repeat(depth) + JSON.stringify("x".repeat(40_000)) + "}".repeat(depth)
      expect(oracle(utf8(textual)).ok).toBe(true)
      const result = attempt(() => parseJson([utf8(textual)]))
      expect(outcomeOf(result)).toBe("parsed")
    })
  })
})

describe("parseJson in pieces", () => {
  /** The lengths of the texts `JSON.parse` was given while `f` ran. */
  const parsedLengths = (f: () => unknown): Array<number> => {
    const lengths: Array<number> = []
    const parse = JSON.parse
    JSON.parse = ((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
      lengths.push(text.length)
      return parse(text, reviver)
    }) as typeof JSON.parse
    try {
      f()
    } finally {
      JSON.parse = parse
    }
    return lengths
  }

  it("gives JSON.parse no text longer than a piece for a page of 500 leads, v1 or v2", () => {
    const page = leadsPage(500)
    const search = { success: true, data: { items: page.data.map((item, i) => ({ result_score: i / 7, item })) } }
    for (const body of [page, search]) {
      const bytes = utf8(JSON.stringify(body))
      expect(bytes.length).toBeGreaterThan(10 * pieceBytes)
      const lengths = parsedLengths(() => expectSame(parseJson(every(bytes, 65536)), body))
      expect(lengths.length).toBeGreaterThan(1)
      expect(Math.max(...lengths)).toBeLessThanOrEqual(pieceBytes + 2)
    }
  })

  it("parses a container with a separator every few bytes whole, with the same result", () => {
    for (const body of [Array.from({ length: 60_000 }, (_, i) => i % 10), [Array.from({ length: 60_000 }, () => 0)]]) {
      const bytes = utf8(JSON.stringify(body))
      const lengths = parsedLengths(() => expectSame(parseJson(every(bytes, 65536)), body))
      expect(lengths).toEqual([bytes.length])
    }
  })

  it("names the bytes of the piece that failed", () => {
    const bytes = utf8(JSON.stringify(leadsPage(500)))
    const broken = Uint8Array.from(bytes)
    const at = broken.indexOf(0x3a, 200_000)
    broken[at] = 0x3b
    const result = attempt(() => parseJson(every(broken, 65536)))
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error).toBeInstanceOf(SyntaxError)
    const [, from, to] = /in bytes (\d+)–(\d+) of the body/.exec(String(result.error)) ?? []
    expect(Number(from)).toBeLessThanOrEqual(at)
    expect(Number(to)).toBeGreaterThan(at)
    expect(Number(to) - Number(from)).toBeLessThanOrEqual(pieceBytes)
  })
})

describe("textOf", () => {
  const piece = fc.oneof(
    fc.constantFrom(...units).map(utf8),
    fc.constantFrom(Uint8Array.of(0xff), Uint8Array.of(0xc3), Uint8Array.of(0xe6, 0x97), Uint8Array.of(0xf0, 0x9f), bom)
  )

  it("is the default TextDecoder's decoding of all the bytes, however they are chunked", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 400 }), fc.boolean(), cuts, (pieces, withBom, c) => {
        const bytes = concat(withBom ? [bom, ...pieces] : pieces)
        expect(textOf(split(bytes, c))).toBe(new TextDecoder().decode(bytes))
      }),
      { numRuns: 200 }
    )
  })

  it("decodes a large body in 1-byte chunks", () => {
    const bytes = utf8(JSON.stringify(leadsPage(60)))
    expect(textOf(every(bytes, 1))).toBe(new TextDecoder().decode(bytes))
    expect(textOf(every(concat([bom, bytes]), 3))).toBe(new TextDecoder().decode(bytes))
  })

  it("is empty for no chunks or empty chunks, and drops only a leading byte-order mark", () => {
    expect(textOf([])).toBe("")
    expect(textOf([new Uint8Array(0)])).toBe("")
    expect(textOf([bom])).toBe("")
    expect(textOf([bom.subarray(0, 1), bom.subarray(1, 2), bom.subarray(2), bom, utf8("x")])).toBe("\uFEFFx")
    expect(textOf([utf8("x"), bom])).toBe("x\uFEFF")
    expect(textOf([Uint8Array.of(0xef, 0xbb), utf8("x")])).toBe("\uFFFDx")
  })
})
