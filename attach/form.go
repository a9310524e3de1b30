package attach

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"path/filepath"

	"github.com/hark-tui/hark/social"
)

// Form reads attachment i of r (within limit bytes) and builds the
// multipart body that Mastodon's and X's media uploads take: the file under
// field, then the extra fields in order (name, value pairs). It returns the
// body and its content type. A missing attachment or a body that cannot be
// built is a permanent error; a file that went bad since it was checked is
// Read's error.
func Form(r social.Reply, i int, limit int64, field string, extra ...string) (*bytes.Buffer, string, error) {
	if i < 0 || i >= len(r.Attachments) {
		return nil, "", &social.Error{Kind: social.Permanent, Msg: "no such attachment"}
	}
	att := r.Attachments[i]
	data, err := Read(att, limit)
	if err != nil {
		return nil, "", err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filepath.Base(att.Path)))
	h.Set("Content-Type", att.MIME)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(data)
	}
	for k := 0; err == nil && k+1 < len(extra); k += 2 {
		err = mw.WriteField(extra[k], extra[k+1])
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return nil, "", &social.Error{Kind: social.Permanent, Msg: "building the upload", Err: err}
	}
	return &body, mw.FormDataContentType(), nil
}
