//go:build !unix

package ipc

import "os"

func owner(os.FileInfo) (int, bool) { return 0, false }

func inode(os.FileInfo) uint64 { return 0 }
