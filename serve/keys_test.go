package serve

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"github.com/hark-tui/hark/internal/testkit"
)

func pubKey(t *testing.T) (gossh.PublicKey, string) {
	t.Helper()
	k := testkit.SSHKey(t).PublicKey()
	return k, string(bytes.TrimSpace(gossh.MarshalAuthorizedKey(k)))
}

func TestReadAuthorizedKeys(t *testing.T) {
	k1, l1 := pubKey(t)
	k2, l2 := pubKey(t)
	k3, l3 := pubKey(t)
	stranger, _ := pubKey(t)
	for _, tc := range []struct {
		name     string
		text     string
		in, out  []gossh.PublicKey
		problems []string
	}{
		{"empty", "", nil, []gossh.PublicKey{k1}, nil},
		{"comments and blanks", "# ops\n\n   \n" + l1 + " ana@desk\n", []gossh.PublicKey{k1}, []gossh.PublicKey{k2}, nil},
		{"crlf and no final newline", l1 + "\r\n" + l2, []gossh.PublicKey{k1, k2}, nil, nil},
		{"garbage line is skipped, the rest works", l1 + "\nssh-ed25519 AAAAnotbase64!!\nhello\n" + l2 + "\n",
			[]gossh.PublicKey{k1, k2}, nil, []string{"line 2: not a public key", "line 3: not a public key"}},
		{"options are not enforced, so the key is ignored", `from="10.0.0.1",command="echo hi" ` + l3 + "\nrestrict " + l2 + "\n" + l1 + "\n",
			[]gossh.PublicKey{k1}, []gossh.PublicKey{k2, k3}, []string{"line 1: key options (from,command)", "line 2: key options (restrict)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "authorized_keys")
			if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			ak, err := readAuthorizedKeys(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(ak.keys) != len(tc.in) {
				t.Fatalf("%d keys, want %d", len(ak.keys), len(tc.in))
			}
			for _, k := range tc.in {
				if !ak.has(k) {
					t.Errorf("key %s not authorized", fingerprint(k))
				}
			}
			for _, k := range append(tc.out, stranger) {
				if ak.has(k) {
					t.Errorf("key %s authorized", fingerprint(k))
				}
			}
			if ak.has(nil) {
				t.Error("nil key authorized")
			}
			if len(ak.problems) != len(tc.problems) {
				t.Fatalf("problems %q, want %d", ak.problems, len(tc.problems))
			}
			for i, p := range tc.problems {
				if !strings.Contains(ak.problems[i], p) {
					t.Errorf("problem %q, want it to contain %q", ak.problems[i], p)
				}
			}
			// option values (commands, addresses) never reach the log
			for _, p := range ak.problems {
				if strings.Contains(p, "echo hi") || strings.Contains(p, "10.0.0.1") {
					t.Errorf("problem leaks an option value: %q", p)
				}
			}
		})
	}
}

func TestReadAuthorizedKeysTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(path, bytes.Repeat([]byte("#"), maxKeysFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readAuthorizedKeys(path); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}

func TestHostKeyCreatedOnceAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "hark", HostKeyName)
	s1, created, err := loadHostKey(path)
	if err != nil || !created {
		t.Fatalf("first load: created=%v err=%v", created, err)
	}
	if s1.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Fatalf("host key type %s", s1.PublicKey().Type())
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700, path + ".pub": 0o644} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	pk, _, _, _, err := gossh.ParseAuthorizedKey(pub)
	if err != nil || fingerprint(pk) != fingerprint(s1.PublicKey()) {
		t.Fatalf(".pub does not match the key: %v", err)
	}
	s2, created, err := loadHostKey(path)
	if err != nil || created {
		t.Fatalf("second load: created=%v err=%v", created, err)
	}
	if fingerprint(s2.PublicKey()) != fingerprint(s1.PublicKey()) {
		t.Fatal("host key changed between starts")
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("group-readable host key: err = %v", err)
	}
}

func TestCheckOptions(t *testing.T) {
	for _, tc := range []struct {
		o   Options
		ok  bool
		ops bool // operators configured
	}{
		{Options{Listen: "127.0.0.1:2222", AuthorizedKeys: "k"}, true, false},
		{Options{Listen: "0.0.0.0:2222", AuthorizedKeys: "k"}, true, false},
		{Options{Listen: "127.0.0.1:2222", InsecureNoAuth: true}, true, false},
		{Options{Listen: "[::1]:2222", InsecureNoAuth: true}, true, false},
		{Options{Listen: "localhost:2222", InsecureNoAuth: true}, true, false},
		{Options{Listen: "127.0.0.2:2222", InsecureNoAuth: true}, true, false},
		{Options{Listen: ":2222", InsecureNoAuth: true}, false, false},
		{Options{Listen: "[::]:2222", InsecureNoAuth: true}, false, false},
		{Options{Listen: "example.com:2222", InsecureNoAuth: true}, false, false},
		{Options{Listen: "127.0.0.1:2222"}, false, false},
		{Options{Listen: "127.0.0.1:2222", AuthorizedKeys: "k", InsecureNoAuth: true}, false, false},
		{Options{Listen: "nonsense", AuthorizedKeys: "k"}, false, false},
		{Options{Listen: "127.0.0.1:2222"}, true, true},                    // operators' keys authorize on their own
		{Options{Listen: "0.0.0.0:2222", AuthorizedKeys: "k"}, true, true}, // both: authorized_keys holders are told to become operators
	} {
		if err := tc.o.check(tc.ops); (err == nil) != tc.ok {
			t.Errorf("%+v: err = %v, want ok=%v", tc.o, err, tc.ok)
		}
	}
	if d := (Options{}).withDefaults(); d.Listen != DefaultListen || filepath.Base(d.HostKeyPath) != HostKeyName || d.Grace != DefaultGrace {
		t.Errorf("defaults = %+v", d)
	}
}
