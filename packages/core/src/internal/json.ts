/**
 * `JSON.parse` of a body given as the byte chunks it arrived in, without decoding a large body
 * into one string.
 *
 * V8 puts a string of more than 128 KiB in its large-object space: each one is a fresh mapping
 * of memory that is faulted in page by page and unmapped at the next collection. For a page of
 * 500 leads (about 350 kB) that allocation, not the decoding, is most of the cost: decoding the
 * page as one string took 2.2 ms, in 64 KiB pieces 0.02–0.06 ms, and `JSON.parse` itself 0.9 ms.
 * So a large body is parsed in pieces: its bytes are scanned for the commas and colons of its
 * two outer levels (outside strings), and runs of whole elements or members of at most
 * {@link pieceBytes} are decoded and parsed together by `JSON.parse`, wrapped in the brackets
 * of their container. A child larger than a piece is parsed the same way (scanned again when
 * it lies deeper than the first scan saw). Decoded whole, as before: a single string or key
 * larger than a piece, containers nested deeper than {@link maxDepth} large ones, and a
 * container with more separators than one per {@link bytesPerSeparator} bytes (the offsets
 * kept for them must stay well below the body's size).
 *
 * The result is exactly `JSON.parse` of the whole text, and it fails exactly when that fails,
 * with a `SyntaxError` (whose message names the bytes of the piece): every byte is either
 * parsed by `JSON.parse` as part of a piece or checked here as the bracket, comma or colon it
 * must be. Where the scan is fooled by malformed input, a piece does not parse.
 */

/**
 * The most bytes decoded into one string: far below V8's large-object size even when a single
 * character outside Latin-1 turns the piece into a two-byte string.
 */
export const pieceBytes = 32 * 1024

/**
 * How many large containers deep the body is parsed in pieces; a larger value deeper down (a
 * pathological body) is parsed whole.
 */
const maxDepth = 8

/**
 * The fewest bytes per separator a scan keeps offsets for: past that (`[0,0,0,…]`) the
 * container is parsed whole, so that the offsets (8 bytes each) never outgrow a quarter of it.
 */
const bytesPerSeparator = 32

const decoder = new TextDecoder("utf-8", { ignoreBOM: true })

/** Where a piece is put together to be decoded: its bytes, and the brackets around a run. */
const scratch = new Uint8Array(pieceBytes + 2)

const comma = 0x2c
const colon = 0x3a
const quote = 0x22
const backslash = 0x5c
const openBrace = 0x7b
const closeBrace = 0x7d
const openBracket = 0x5b
const closeBracket = 0x5d

/** What a byte outside strings is to the scan. */
const other = 0
const opensString = 1
const opens = 2
const closes = 3
const separates = 4
const kinds = new Uint8Array(256)
kinds[quote] = opensString
kinds[openBrace] = kinds[openBracket] = opens
kinds[closeBrace] = kinds[closeBracket] = closes
kinds[comma] = kinds[colon] = separates

const isWhitespace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09

/** The brackets a run of children is parsed between. */
interface Brackets {
  readonly open: number
  readonly close: number
}

const arrayBrackets: Brackets = { open: openBracket, close: closeBracket }
const objectBrackets: Brackets = { open: openBrace, close: closeBrace }

/**
 * Where the separators of a container are: the offsets of the commas and colons directly inside
 * it (`outer`, ending with its closing bracket) and directly inside its children (`inner`, each
 * child's list ending with its closing bracket).
 */
interface Structure {
  readonly outer: Array<number>
  readonly inner: Array<number>
}

class Body {
  readonly starts: Array<number> = []
  readonly size: number

  constructor(readonly chunks: ReadonlyArray<Uint8Array>) {
    let size = 0
    for (const chunk of chunks) {
      this.starts.push(size)
      size += chunk.length
    }
    this.size = size
  }

  /** The index of the chunk that holds byte `offset`. */
  chunkAt(offset: number): number {
    let low = 0
    let high = this.chunks.length - 1
    while (low < high) {
      const middle = (low + high + 1) >>> 1
      if (this.starts[middle]! <= offset) low = middle
      else high = middle - 1
    }
    return low
  }

  byteAt(offset: number): number {
    const index = this.chunkAt(offset)
    return this.chunks[index]![offset - this.starts[index]!]!
  }

  /**
   * Bytes `[from, to)`, at most a piece, decoded between `brackets` when given: the bytes and
   * brackets are copied into {@link scratch} and decoded once, one flat string for
   * `JSON.parse` rather than joined parts it would first copy into one. (A run between
   * brackets is never larger than a piece; were it, `scratch.set` would throw.)
   */
  piece(from: number, to: number, brackets?: Brackets): string {
    let at = 0
    if (brackets !== undefined) scratch[at++] = brackets.open
    for (let index = this.chunkAt(from), offset = from; offset < to; index++) {
      const start = this.starts[index]!
      const end = Math.min(to - start, this.chunks[index]!.length)
      scratch.set(this.chunks[index]!.subarray(offset - start, end), at)
      at += start + end - offset
      offset = start + end
    }
    if (brackets !== undefined) scratch[at++] = brackets.close
    return decoder.decode(scratch.subarray(0, at))
  }

  /** Bytes `[from, to)` decoded chunk by chunk, a character split between chunks included. */
  text(from: number, to: number): string {
    if (from >= to) return ""
    let index = this.chunkAt(from)
    let out = ""
    for (let offset = from - this.starts[index]!; ; index++, offset = 0) {
      const chunk = this.chunks[index]!
      const end = to - this.starts[index]!
      if (end <= chunk.length) return out + decoder.decode(chunk.subarray(offset, end))
      out += decoder.decode(chunk.subarray(offset), { stream: true })
    }
  }

  isBlank(from: number, to: number): boolean {
    for (let offset = from; offset < to; offset++) {
      if (!isWhitespace(this.byteAt(offset))) return false
    }
    return true
  }

  /**
   * The separators of the container whose opening bracket is at `open`, or `undefined` when
   * there are more than `limit`.
   */
  scan(open: number, limit: number): Structure | undefined {
    const outer: Array<number> = []
    const inner: Array<number> = []
    let kept = 0
    let depth = 0
    let inString = false
    let escaped = false
    let index = this.chunkAt(open)
    let at = open - this.starts[index]!
    for (; index < this.chunks.length; index++, at = 0) {
      const chunk = this.chunks[index]!
      const start = this.starts[index]!
      const length = chunk.length
      // A backslash ended the chunk before: the first byte of this one is escaped.
      if (escaped && length > 0) {
        escaped = false
        at++
      }
      for (; at < length; at++) {
        if (inString) {
          // Most of a body is inside strings: only a quote or a backslash matters there.
          let byte = chunk[at]!
          while (byte !== quote && byte !== backslash && ++at < length) byte = chunk[at]!
          if (at === length) break
          if (byte === quote) inString = false
          else if (++at === length) escaped = true
          continue
        }
        const kind = kinds[chunk[at]!]
        if (kind === other) continue
        if (kind === opensString) {
          inString = true
        } else if (kind === opens) {
          depth++
        } else if (kind === closes) {
          depth--
          if (depth === 1) {
            inner.push(start + at)
            if (++kept > limit) return undefined
          } else if (depth === 0) {
            outer.push(start + at)
            return { outer, inner }
          }
        } else if (depth <= 2) {
          if (depth === 1) outer.push(start + at)
          else inner.push(start + at)
          if (++kept > limit) return undefined
        }
      }
    }
    throw new SyntaxError("Unexpected end of JSON input")
  }

  /**
   * The value in bytes `[from, to)`, whose own separators may already be known, `depth` large
   * containers down from the top. Below {@link maxDepth} of them it is one `JSON.parse`: each
   * level scans its bytes again, and the recursion must not exhaust the stack.
   */
  value(from: number, to: number, known: ReadonlyArray<number> | undefined, depth: number): unknown {
    if (to - from <= pieceBytes || depth > maxDepth) return this.parse(from, to)
    let first = from
    while (first < to && isWhitespace(this.byteAt(first))) first++
    const open = first < to ? this.byteAt(first) : undefined
    if (open !== openBracket && open !== openBrace) return this.parse(from, to)
    let last = to - 1
    while (isWhitespace(this.byteAt(last))) last--
    if (known !== undefined) return this.container(first, last, known, undefined, depth)
    const structure = this.scan(first, Math.max(64, Math.floor((to - from) / bytesPerSeparator)))
    if (structure === undefined) return this.parse(from, to)
    return this.container(first, last, structure.outer, structure.inner, depth)
  }

  /**
   * `JSON.parse` of bytes `[from, to)`, between `brackets` when given; a failure names those
   * bytes unless they are the whole body.
   */
  parse(from: number, to: number, brackets?: Brackets): unknown {
    try {
      return JSON.parse(
        brackets === undefined && to - from > pieceBytes ? this.text(from, to) : this.piece(from, to, brackets)
      )
    } catch (error) {
      if (!(error instanceof SyntaxError) || (from <= 3 && to === this.size)) throw error
      throw new SyntaxError(`${error.message} (in bytes ${from}–${to} of the body)`)
    }
  }

  /**
   * The array or object from `first` (its opening bracket) to `last`, whose separators are
   * `cuts` (ending with its closing bracket) and whose children's are `inner`, when known.
   */
  container(
    first: number,
    last: number,
    cuts: ReadonlyArray<number>,
    inner: ReadonlyArray<number> | undefined,
    depth: number
  ): unknown {
    const isArray = this.byteAt(first) === openBracket
    if (cuts[cuts.length - 1] !== last || this.byteAt(last) !== (isArray ? closeBracket : closeBrace)) {
      throw syntaxError(last)
    }
    const out: Array<unknown> | Record<string, unknown> = isArray ? [] : {}
    if (cuts.length === 1 && this.isBlank(first + 1, last)) return out
    // An array's separators are commas; an object's alternate, a colon in each member.
    if (!isArray && cuts.length % 2 === 1) throw syntaxError(cuts[cuts.length - 1]!)
    for (let i = 0; i < cuts.length - 1; i++) {
      if (this.byteAt(cuts[i]!) !== (isArray || i % 2 === 1 ? comma : colon)) throw syntaxError(cuts[i]!)
    }
    const count = isArray ? cuts.length : cuts.length / 2
    // Children are parsed in runs of at most `pieceBytes`, each run by one `JSON.parse`.
    let runStart = first + 1
    let pending = 0
    const flush = (end: number) => {
      // A child that is nothing (`[1,,2]`) would vanish from a run parsed alone.
      if (pending === 1 && this.isBlank(runStart, end)) {
        throw syntaxError(end)
      } else if (isArray) {
        const values = this.parse(runStart, end, arrayBrackets) as Array<unknown>
        for (let i = 0; i < values.length; i++) (out as Array<unknown>).push(values[i])
      } else {
        const members = this.parse(runStart, end, objectBrackets) as Record<string, unknown>
        for (const key of Object.keys(members)) define(out as Record<string, unknown>, key, members[key])
      }
      pending = 0
    }
    let innerAt = 0
    let start = first + 1
    for (let i = 0; i < count; i++) {
      const end = isArray ? cuts[i]! : cuts[2 * i + 1]!
      if (end - start > pieceBytes) {
        // A large child alone, with the separators the scan saw inside it.
        if (pending > 0) flush(start - 1)
        let known: ReadonlyArray<number> | undefined
        if (inner !== undefined) {
          while (innerAt < inner.length && inner[innerAt]! < start) innerAt++
          let until = innerAt
          while (until < inner.length && inner[until]! < end) until++
          if (until > innerAt) known = inner.slice(innerAt, until)
          innerAt = until
        }
        if (isArray) {
          ;(out as Array<unknown>).push(this.value(start, end, known, depth + 1))
        } else {
          const separator = cuts[2 * i]!
          const key: unknown = this.parse(start, separator)
          if (typeof key !== "string") throw syntaxError(start)
          define(out as Record<string, unknown>, key, this.value(separator + 1, end, known, depth + 1))
        }
        runStart = end + 1
      } else {
        if (pending > 0 && end - runStart > pieceBytes) {
          flush(start - 1)
          runStart = start
        }
        pending++
      }
      start = end + 1
    }
    if (pending > 0) flush(last)
    return out
  }
}

const syntaxError = (offset: number) => new SyntaxError(`Unexpected token in JSON at byte ${offset} of the body`)

/** Sets a member as `JSON.parse` does: `__proto__` is an own property, not the prototype. */
const define = (target: Record<string, unknown>, key: string, value: unknown) => {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    target[key] = value
  }
}

const bom = [0xef, 0xbb, 0xbf]

/**
 * `JSON.parse` of the UTF-8 text in `chunks` (a leading byte-order mark dropped, malformed bytes
 * read as U+FFFD, as `TextDecoder` does), throwing a `SyntaxError` where `JSON.parse` would.
 */
export const parseJson = (chunks: ReadonlyArray<Uint8Array>): unknown => {
  const body = new Body(chunks)
  let from = 0
  while (from < 3 && from < body.size && body.byteAt(from) === bom[from]) from++
  if (from < 3) from = 0
  return body.value(from, body.size, undefined, 0)
}

/** The UTF-8 text in `chunks`, decoded once (a leading byte-order mark dropped). */
export const textOf = (chunks: ReadonlyArray<Uint8Array>): string => {
  const body = new Body(chunks)
  if (body.size === 0) return ""
  const text = body.text(0, body.size)
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}
