// Package attach reads and checks the image files an operator attaches to
// a reply or status post: a regular file, an image by its bytes (JPEG,
// PNG, GIF, WebP), within a size limit, with alt text; and reads it again,
// bounded, for the upload, as the multipart form Mastodon and X take (Form).
//
// It depends on social and the standard library only; the CLI and the TUI
// (checks when an image is attached) and the network adapters (uploads)
// import it.
package attach
