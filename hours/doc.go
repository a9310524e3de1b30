// Package hours reads the business-hours syntax of hark's configuration:
// day keys ("mon", "monday", ranges such as "mon-fri") and a day's opening
// ranges ("09:00-17:00", several comma-separated, "closed", "24h"), with
// typed errors (Error) that say what is wrong and with which text, so the
// config's validation and triage's calendar read it one way.
//
// It imports only the standard library.
package hours
