import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

/**
 * A predicate compiled once from a schema whose decoded form equals its wire form (no
 * transformations). It answers exactly what the schema's own validation answers — refinements
 * run their real filters — but walks plain JSON several times faster than the general parser,
 * which matters when a sync job decodes millions of leads. Callers fall back to the schema's
 * decoder when it says no, for the precise error path.
 *
 * Returns `undefined` for schemas it does not cover (transformations, suspensions, …).
 */
export const compile = (ast: AST.AST): ((input: unknown) => boolean) | undefined => {
  try {
    return go(ast)
  } catch {
    return undefined
  }
}

type Check = (input: unknown) => boolean

const unsupported = (ast: AST.AST): never => {
  throw new Error(`no fast validator for ${ast._tag}`)
}

const parseOptions = {}

const hasOwn = Object.prototype.hasOwnProperty

/** Accepts anything: `Unknown` and `Any`. Compared by identity to skip index-signature walks. */
const acceptAll: Check = () => true

const numberAnnotation = (ast: AST.Refinement, key: string): number | undefined => {
  const jsonSchema = ast.annotations[AST.JSONSchemaAnnotationId]
  if (typeof jsonSchema !== "object" || jsonSchema === null) return undefined
  const value = (jsonSchema as Record<string, unknown>)[key]
  return typeof value === "number" ? value : undefined
}

/**
 * The check of a refinement Effect's own Schema module defines, written out so that the hot
 * path calls no filter and allocates no Option; `undefined` for any other refinement. Each
 * mirrors its Schema definition (`int`, `finite`, `greaterThan`, `greaterThanOrEqualTo`,
 * `minLength`) and reads its bound from the `jsonSchema` annotation that definition sets.
 */
const builtinRefinement = (ast: AST.Refinement, from: Check): Check | undefined => {
  switch (ast.annotations[AST.SchemaIdAnnotationId]) {
    case Schema.IntSchemaId:
      return (u) => from(u) && Number.isSafeInteger(u)
    case Schema.FiniteSchemaId:
      return (u) => from(u) && Number.isFinite(u)
    case Schema.GreaterThanSchemaId: {
      const bound = numberAnnotation(ast, "exclusiveMinimum")
      return bound === undefined ? undefined : (u) => from(u) && (u as number) > bound
    }
    case Schema.GreaterThanOrEqualToSchemaId: {
      const bound = numberAnnotation(ast, "minimum")
      return bound === undefined ? undefined : (u) => from(u) && (u as number) >= bound
    }
    case Schema.MinLengthSchemaId: {
      const bound = numberAnnotation(ast, "minLength")
      return bound === undefined ? undefined : (u) => from(u) && (u as string).length >= bound
    }
    default:
      return undefined
  }
}

const refinement = (ast: AST.Refinement): Check => {
  const from = go(ast.from)
  const pattern = ast.annotations[Schema.PatternSchemaId] as { readonly regex: RegExp } | undefined
  if (pattern !== undefined) {
    const regex = pattern.regex
    // Only a global or sticky expression remembers where it stopped.
    if (regex.global || regex.sticky) {
      return (u) => {
        if (!from(u)) return false
        regex.lastIndex = 0
        return regex.test(u as string)
      }
    }
    return (u) => from(u) && regex.test(u as string)
  }
  return builtinRefinement(ast, from) ?? ((u) => from(u) && Option.isNone(ast.filter(u, parseOptions, ast)))
}

const typeLiteral = (ast: AST.TypeLiteral): Check => {
  const names: Array<string> = []
  const checks: Array<Check> = []
  const optional: Array<boolean> = []
  // A name Object.prototype also has (`constructor`, `toString`, …) must be looked up as an own key.
  const inherited: Array<boolean> = []
  for (const property of ast.propertySignatures) {
    if (typeof property.name !== "string") return unsupported(ast)
    names.push(property.name)
    checks.push(go(property.type))
    optional.push(property.isOptional)
    inherited.push(property.name in Object.prototype)
  }
  if (ast.indexSignatures.length > 1) return unsupported(ast)
  const index = ast.indexSignatures[0]
  if (index !== undefined && index.parameter._tag !== "StringKeyword") return unsupported(ast)
  const indexCheck = index === undefined ? undefined : go(index.type)
  // Extra keys of any value (custom fields, new fields) need no walk at all.
  const extraCheck = indexCheck === acceptAll ? undefined : indexCheck
  const declared = new Set(names)
  const count = names.length
  return (u) => {
    if (typeof u !== "object" || u === null || Array.isArray(u)) return false
    const record = u as Record<string, unknown>
    for (let i = 0; i < count; i++) {
      const name = names[i]!
      const value = record[name]
      if ((value === undefined || inherited[i]) && !hasOwn.call(record, name)) {
        if (optional[i]) continue
        return false
      }
      if (!checks[i]!(value)) return false
    }
    if (extraCheck !== undefined) {
      for (const key in record) {
        if (!declared.has(key) && !extraCheck(record[key])) return false
      }
    }
    return true
  }
}

const go = (ast: AST.AST): Check => {
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => typeof u === "string"
    case "NumberKeyword":
      return (u) => typeof u === "number"
    case "BooleanKeyword":
      return (u) => typeof u === "boolean"
    case "UndefinedKeyword":
      return (u) => u === undefined
    case "UnknownKeyword":
    case "AnyKeyword":
      return acceptAll
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal
    }
    case "Union": {
      const members = ast.types.map(go)
      if (members.length === 2) {
        const [first, second] = members as [Check, Check]
        return (u) => first(u) || second(u)
      }
      return (u) => {
        for (const member of members) if (member(u)) return true
        return false
      }
    }
    case "Refinement":
      return refinement(ast)
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) return unsupported(ast)
      const item = go(ast.rest[0]!.type)
      if (item === acceptAll) return (u) => Array.isArray(u)
      return (u) => {
        if (!Array.isArray(u)) return false
        for (let i = 0; i < u.length; i++) if (!item(u[i])) return false
        return true
      }
    }
    case "TypeLiteral":
      return typeLiteral(ast)
    default:
      return unsupported(ast)
  }
}
