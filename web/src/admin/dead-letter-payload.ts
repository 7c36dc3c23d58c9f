/**
 * A dead letter's payload (`DeadLetter.payload`, the event as JSON) as an operator reads it: indented
 * when it is JSON, as it came when it is not, and cut to a bounded length so one huge event cannot
 * swamp the page.
 */

/** How many characters of a payload the page shows. */
export const maxPayloadChars = 4000;

export function formatPayload(payload: string, maxChars = maxPayloadChars): string {
  let text = payload;
  try {
    text = JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    // Not JSON (it may be why the event is dead): shown as it came.
  }
  return text.length > maxChars ? `${text.slice(0, maxChars)}\n… (${text.length - maxChars} more characters)` : text;
}
