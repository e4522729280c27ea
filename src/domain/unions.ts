/** Narrows a string to one of a closed union's values (an enum column's, an input's), without a cast at the call. */
export function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}
