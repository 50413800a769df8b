/**
 * An OpenAPI schema node against what an Effect Schema accepts on the wire (its encoded side):
 * the document is the independent side, so a type that drifts in the client (an integer made a
 * string, a nullable made required, an enum that lost a value) shows up as a mismatch with its
 * path, whatever the examples happen to contain.
 *
 * The rules, for a response the client decodes (the document's values must all decode):
 * - every property the document lists is a declared property of the client's struct (an index
 *   signature that would keep it as an untyped extra does not count);
 * - its type is compatible: the client takes at least what the document allows (`number` where
 *   the document says `integer` is fine; `integer` where it says `number` is not), refinements
 *   (UUID, patterns, ranges) aside, which this comparison does not see;
 * - `nullable: true` in the document means the client takes `null`;
 * - a property the document marks `required` is not optional in the client; where the
 *   document marks nothing required (as Pipedrive's response excerpts do), optional is fine;
 * - enums are equal sets: a client that takes any string where the document enumerates, or
 *   fewer or other values, or narrows an open type to literals, is a mismatch;
 * - a property the client requires that the document does not list is a mismatch (a real
 *   response without it would not decode).
 * A caller lists the mismatches it accepts, each with its reason, and asserts that the rest
 * is empty.
 */
import * as SchemaAST from "effect/SchemaAST"
import * as Schema from "effect/Schema"

/** The keywords of an OpenAPI 3.0 schema object this comparison reads. */
export interface OpenApiNode {
  readonly type?: string
  readonly nullable?: boolean
  readonly enum?: ReadonlyArray<unknown>
  readonly properties?: Readonly<Record<string, OpenApiNode>>
  readonly required?: ReadonlyArray<string>
  readonly items?: OpenApiNode
  readonly allOf?: ReadonlyArray<OpenApiNode>
  readonly oneOf?: ReadonlyArray<OpenApiNode>
  readonly anyOf?: ReadonlyArray<OpenApiNode>
}

/** One disagreement: where (`data[].source_deal_id`) and what. */
export interface Mismatch {
  readonly path: string
  readonly problem: string
}

type Literal = string | number | boolean

/** A document node with its `allOf` folded in. */
interface DocShape {
  readonly type: string | undefined
  readonly nullable: boolean
  readonly enum: ReadonlyArray<Literal> | undefined
  readonly properties: Readonly<Record<string, OpenApiNode>>
  readonly required: ReadonlySet<string>
  readonly items: OpenApiNode | undefined
}

const fold = (node: OpenApiNode): DocShape => {
  if (node.oneOf !== undefined || node.anyOf !== undefined) {
    throw new Error("oneOf/anyOf in the document: teach the comparison before relying on it")
  }
  const parts = [node, ...(node.allOf ?? []).map(fold)]
  const first = <K extends keyof DocShape & keyof OpenApiNode>(key: K) =>
    parts.map((part) => part[key]).find((value) => value !== undefined)
  return {
    type: first("type") as string | undefined,
    nullable: parts.some((part) => part.nullable === true),
    enum: first("enum") as ReadonlyArray<Literal> | undefined,
    properties: Object.assign({}, ...parts.map((part) => part.properties ?? {})),
    required: new Set(parts.flatMap((part) => [...(part.required ?? [])])),
    items: first("items") as OpenApiNode | undefined
  }
}

/** What a client schema accepts at one place, its unions flattened. */
interface Accepts {
  any: boolean
  null: boolean
  string: boolean
  number: boolean
  integer: boolean
  boolean: boolean
  readonly literals: Array<Literal>
  readonly arrays: Array<SchemaAST.AST>
  readonly objects: Array<SchemaAST.TypeLiteral>
}

const isInteger = (ast: SchemaAST.Refinement): boolean =>
  ast.annotations[SchemaAST.SchemaIdAnnotationId] === Schema.IntSchemaId ||
  (ast.from._tag === "Refinement" && isInteger(ast.from))

const accepts = (ast: SchemaAST.AST): Accepts => {
  const into: Accepts = {
    any: false,
    null: false,
    string: false,
    number: false,
    integer: false,
    boolean: false,
    literals: [],
    arrays: [],
    objects: []
  }
  const visit = (node: SchemaAST.AST): void => {
    switch (node._tag) {
      case "UnknownKeyword":
      case "AnyKeyword":
        into.any = true
        return
      case "UndefinedKeyword":
      case "NeverKeyword":
        return
      case "StringKeyword":
      case "TemplateLiteral":
        into.string = true
        return
      case "NumberKeyword":
        into.number = true
        return
      case "BooleanKeyword":
        into.boolean = true
        return
      case "Literal":
        if (node.literal === null) into.null = true
        else if (typeof node.literal !== "bigint") into.literals.push(node.literal)
        return
      case "Refinement":
        // Refinements narrow within a type (UUID, ranges, patterns); only "integer" is a type here.
        if (isInteger(node)) {
          const inner = accepts(node.from)
          if (inner.number) into.integer = true
          else visit(node.from)
        } else {
          visit(node.from)
        }
        return
      case "Transformation":
        visit(node.from)
        return
      case "Suspend":
        visit(node.f())
        return
      case "Union":
        node.types.forEach(visit)
        return
      case "TupleType":
        if (node.elements.length === 0 && node.rest.length === 1) into.arrays.push(node.rest[0]!.type)
        else throw new Error(`tuples are not compared: ${String(node)}`)
        return
      case "TypeLiteral":
        into.objects.push(node)
        return
      default:
        throw new Error(`${node._tag} is not compared: ${String(node)}`)
    }
  }
  visit(ast)
  return into
}

const show = (values: ReadonlyArray<Literal>) => values.map((value) => JSON.stringify(value)).join("|")

const kindsOf = (a: Accepts): string =>
  [
    a.null && "null",
    a.string && "string",
    a.number && "number",
    a.integer && "integer",
    a.boolean && "boolean",
    a.literals.length > 0 && show(a.literals),
    a.arrays.length > 0 && "array",
    a.objects.length > 0 && "object"
  ].filter(Boolean).join(", ") || "nothing"

const compareEnum = (documented: ReadonlyArray<Literal>, a: Accepts): string | undefined => {
  const open = documented.every((value) => typeof value === "string") ? a.string : a.number || a.integer
  if (open) return `the document enumerates ${show(documented)}; the client takes any value`
  const lacks = documented.filter((value) => !a.literals.includes(value))
  const adds = a.literals.filter((value) => !documented.includes(value))
  if (lacks.length === 0 && adds.length === 0) return undefined
  return [
    lacks.length > 0 && `the client lacks ${show(lacks)}`,
    adds.length > 0 && `the client adds ${show(adds)}`
  ].filter(Boolean).join("; ") + ` (the document enumerates ${show(documented)})`
}

const typeProblem = (type: string, a: Accepts): string | undefined => {
  const narrowed = (kind: string) =>
    a.literals.length > 0 ? `the client takes only ${show(a.literals)}; the document any ${kind}` : undefined
  const wrong = (kind: string) => narrowed(kind) ?? `${kind} in the document; the client takes ${kindsOf(a)}`
  switch (type) {
    case "string":
      return a.string ? undefined : wrong("string")
    case "integer":
      return a.integer || a.number ? undefined : wrong("integer")
    case "number":
      return a.number ? undefined : a.integer ? "number in the document; the client takes only integers" : wrong("number")
    case "boolean":
      return a.boolean || (a.literals.includes(true) && a.literals.includes(false)) ? undefined : wrong("boolean")
    case "array":
      return a.arrays.length > 0 ? undefined : wrong("array")
    case "object":
      return a.objects.length > 0 ? undefined : wrong("object")
    default:
      throw new Error(`unknown OpenAPI type ${type}`)
  }
}

const compareObject = (
  doc: DocShape,
  object: SchemaAST.TypeLiteral,
  path: string,
  out: Array<Mismatch>
): void => {
  const at = (name: string) => path === "" ? name : `${path}.${name}`
  const declared = new Map(object.propertySignatures.map((signature) => [String(signature.name), signature]))
  for (const [name, node] of Object.entries(doc.properties)) {
    const signature = declared.get(name)
    if (signature === undefined) {
      out.push({ path: at(name), problem: "missing from the client's schema" })
      continue
    }
    if (doc.required.has(name) && signature.isOptional) {
      out.push({ path: at(name), problem: "required by the document; optional in the client" })
    }
    compareNode(node, signature.type, at(name), out)
  }
  // An object the document leaves open (no properties listed) says nothing about its keys.
  if (Object.keys(doc.properties).length === 0) return
  for (const [name, signature] of declared) {
    if (!(name in doc.properties) && !signature.isOptional) {
      out.push({ path: at(name), problem: "required by the client; not in the document" })
    }
  }
}

const compareNode = (node: OpenApiNode, ast: SchemaAST.AST, path: string, out: Array<Mismatch>): void => {
  const doc = fold(node)
  const a = accepts(ast)
  if (a.any) return
  if (doc.nullable && !a.null) out.push({ path, problem: "nullable in the document; the client rejects null" })
  if (doc.enum !== undefined) {
    const problem = compareEnum(doc.enum.filter((value) => value !== null), a)
    if (problem !== undefined) out.push({ path, problem })
    return
  }
  const type = doc.type ?? (Object.keys(doc.properties).length > 0 ? "object" : undefined)
  if (type === undefined) return
  const problem = typeProblem(type, a)
  if (problem !== undefined) {
    out.push({ path, problem })
    return
  }
  if (type === "array" && doc.items !== undefined) {
    compareNode(doc.items, a.arrays[0]!, `${path}[]`, out)
  }
  if (type === "object") {
    // A union of objects (flat or nested pagination) takes the document's object when one
    // member does: the member with the fewest mismatches speaks.
    const byMember = a.objects.map((object) => {
      const found: Array<Mismatch> = []
      compareObject(doc, object, path, found)
      return found
    })
    out.push(...byMember.reduce((best, found) => found.length < best.length ? found : best))
  }
}

/**
 * Every way `schema` (its encoded side) disagrees with the document's `node`, as paths and
 * problems; empty when the client takes everything the document describes, as described.
 */
export const mismatches = (node: OpenApiNode, schema: Schema.Schema.Any | Schema.Schema.AnyNoContext): Array<Mismatch> => {
  const out: Array<Mismatch> = []
  compareNode(node, schema.ast, "", out)
  return out
}
