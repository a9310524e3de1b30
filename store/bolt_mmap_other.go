//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

const mapTrimSupported = false

func dropMapped(*bolt.DB, int64) error { return nil }

func residentShared() (int64, bool) { return 0, false }
