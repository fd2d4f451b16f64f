// The one error type of the configuration: it names the file, the line and the key at fault,
// so an operator can fix the input from a single line of output.

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /**
   * @param source the file as the operator named it ('' when the value did not come from a file)
   * @param line 1-based line of the offending value, when known
   * @param key the key at fault, e.g. `CheckInterval` or `Fallbacks[1].URL` ('' for the file itself)
   * @param detail what was expected and what was found
   */
  constructor(
    readonly source: string,
    readonly line: number | undefined,
    readonly key: string,
    readonly detail: string,
  ) {
    super(formatMessage(source, line, key, detail));
  }

  /** The same error, placed in a file and at a line (values are checked before their place is known). */
  locate(source: string, line: number | undefined): ConfigError {
    return new ConfigError(source, line ?? this.line, this.key, this.detail);
  }
}

const formatMessage = (source: string, line: number | undefined, key: string, detail: string): string => {
  const parts: string[] = [];
  if (source !== '') parts.push(line === undefined ? source : `${source}:${line}`);
  if (key !== '') parts.push(key);
  // Keep the message on one line whatever the detail quotes from the input.
  parts.push(detail.replace(/\s*\n\s*/g, ' '));
  return parts.join(': ');
};
