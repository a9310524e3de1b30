// Package when reads the times an operator types: the snooze prompt, the
// composer's send later and `hark reply --at` take the same words, so
// that "tomorrow" is the brand's next business day wherever it is typed.
//
// It owns the syntax (presets, durations, weekdays, times of day, dates)
// and the error that says whether a value is not a time or one already
// past. The business calendar comes in as a function (triage's
// Calendar.Next), so it imports the standard library only; it must not
// import any hark package.
package when
