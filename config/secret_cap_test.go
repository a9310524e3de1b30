package config

import (
	"context"
	"io"
	"runtime"
	"strings"
	"testing"
)

// A cmd: secret's output is capped at maxSecretOutput bytes: a command
// that prints more is an error, and hark holds at most the cap in memory
// however much it prints (os/exec copies through io.Copy, which used the
// buffer's promoted ReadFrom and read everything).
func TestSecretCmdOutputCapped(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  string
		want string // "" = resolves
	}{
		{"just under the cap", "head -c 1048575 /dev/zero | tr '\\0' a", ""},
		{"just over the cap", "head -c 1048577 /dev/zero | tr '\\0' a", "more than 1048576 bytes"},
		{"20 MiB", "head -c 20971520 /dev/zero | tr '\\0' a", "more than 1048576 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			v, err := Secret("cmd:" + tc.cmd).Resolve(context.Background())
			runtime.ReadMemStats(&after)
			if tc.want == "" {
				if err != nil || len(v) != 1048575 {
					t.Fatalf("%d bytes, %v", len(v), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("value of %d bytes, error %v; want %q", len(v), err, tc.want)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
				t.Errorf("allocated %d MiB for a capped output", got>>20)
			}
		})
	}
}

// The buffer keeps at most its cap whichever way it is written to,
// io.Copy included.
func TestBoundedBufferThroughIOCopy(t *testing.T) {
	b := &boundedBuffer{max: 1 << 20}
	n, err := io.Copy(b, io.LimitReader(zeros{}, 50<<20))
	if err != nil || n != 50<<20 {
		t.Fatalf("copied %d, %v: the rest must be drained", n, err)
	}
	if b.Len() != 1<<20 || !b.over {
		t.Fatalf("kept %d bytes, over %v; want the cap and over", b.Len(), b.over)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
