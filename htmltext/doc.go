// Package htmltext turns the HTML that networks send (Mastodon status
// content, RSS/Atom entry bodies and titles) into plain text: blocks
// become line breaks, entities are decoded, scripts, styles and hidden
// parts are dropped, links keep their text. One tokenizer walk serves
// both, with Options for what differs: a Mastodon status keeps its
// author's whitespace, shows a link's target and reads its shortened
// URLs whole (Status); a feed's HTML collapses whitespace as a browser
// shows it (Feed).
//
// It streams tokens with a bounded element stack, so any input, however
// deep or malformed, costs linear time. The result is untrusted text:
// sanitize it (textsafe) before display.
//
// It imports only the standard library and golang.org/x/net/html.
package htmltext
