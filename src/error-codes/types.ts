/**
 * The shape of one entry of the error table. The text fields are Markdown (backticks for names),
 * written as sentences without line breaks; tools/gen-errors-doc.ts wraps them into
 * docs/errors.md. A `\n- ` inside a field starts a sub-list item.
 */
export interface ErrorCodeInfo {
  /** The table row: a few words, no full stop. */
  readonly meaning: string
  /**
   * The default of `SluiceError.retriable`. `'depends'`: the throw site decides and must say so
   * (`retriable: <expression>`); the constructor's type lets only these codes take a boolean.
   */
  readonly retriable: boolean | 'depends'
  /** What happened, as the message says it. */
  readonly what: string
  /** The likely causes. */
  readonly why: string
  /** What the user does about it. */
  readonly todo: string
  /** Said after yes/no/depends on the doc's Retriable line (who retries, when it does not). */
  readonly retriableNote?: string
  /** The `err.details` fields worth knowing. */
  readonly details: string
}

/** One section of docs/errors.md: a heading, its paragraphs and a table of its codes. */
export interface ErrorArea {
  readonly title: string
  readonly intro: readonly string[]
}
