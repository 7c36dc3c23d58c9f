/**
 * A dead letter's payload (`DeadLetter.payload`, the event as JSON) or error (often a validator's
 * JSON list of issues) as an operator reads it: indented when it is JSON, as it came when it is not,
 * and cut to a bounded length so one huge event cannot swamp the page.
 */

/** How many characters of one text the page shows. */
export const maxLetterTextChars = 4000;

export function formatLetterText(raw: string, maxChars = maxLetterTextChars): string {
  let text = raw;
  try {
    text = JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    // Not JSON (it may be why the event is dead): shown as it came.
  }
  return text.length > maxChars ? `${text.slice(0, maxChars)}\n… (${text.length - maxChars} more characters)` : text;
}
