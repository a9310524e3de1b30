// Package termimg shows an image in a terminal that can: it detects the
// graphics protocol (the kitty graphics protocol, iTerm2 inline images,
// sixel) from the environment — never assumed, off over SSH and inside
// tmux unless forced — fetches the image bytes on demand with a size
// bound, decodes and scales them, and encodes them afresh for the
// terminal. Nothing from the network reaches the terminal as is: the
// bytes written are this package's own PNG (base64) or sixel encoding of
// the decoded pixels.
//
// It depends on the standard library only; tui and app import it.
package termimg
