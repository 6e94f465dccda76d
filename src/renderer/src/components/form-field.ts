/** What an input needs to know about its field; `kind` picks the widget (default text). */
export interface ParamField {
  key: string
  kind?: string | undefined
  options?: { label: string; value: string }[] | undefined
  placeholder?: string | undefined
  /** Number fields: the ± buttons (default shown). */
  buttons?: boolean | undefined
}

/** A field of a form drawn from data, with what FieldItem needs around its input. */
export interface FormField extends ParamField {
  label: string
  help?: string | undefined
  /** Where the schema reports this field's errors, e.g. "smtp.port" (default: its key). */
  path?: string
  /** The input's test id after the form's prefix (default: its key). */
  testid?: string
}
