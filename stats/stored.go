package stats

import "fmt"

// StoredCell is a totals cell as a store keeps it: its bytes, or nothing
// when it counts nothing.
type StoredCell interface {
	MarshalBinary() ([]byte, error)
	Zero() bool
}

// Change is a change to one totals cell (a *Cell or an *OpCell) that a
// store merges into the cell it holds.
type Change interface {
	// Onto decodes the stored cell raw (nil: none yet), adds the change to
	// it and returns the result, keyed as the change.
	Onto(raw []byte) (StoredCell, error)
}

// Onto adds the change d to the stored cell raw (nil: none).
func (d *Cell) Onto(raw []byte) (StoredCell, error) { return onto(d, raw) }

// Onto adds the change d to the stored operator cell raw (nil: none).
func (d *OpCell) Onto(raw []byte) (StoredCell, error) { return onto(d, raw) }

// keyFrom keys a cell as the change d (onto calls it through its type
// constraint, which staticcheck's U1000 does not follow).

//lint:ignore U1000 called by onto
func (c *Cell) keyFrom(d *Cell) { c.Hour, c.Brand, c.Network = d.Hour, d.Brand, d.Network }

//lint:ignore U1000 called by onto
func (c *OpCell) keyFrom(d *OpCell) { c.Hour, c.Brand, c.Key = d.Hour, d.Brand, d.Key }

// onto decodes the stored cell raw (nil: none), keys it as d and adds d.
func onto[C any, P interface {
	*C
	StoredCell
	UnmarshalBinary([]byte) error
	Merge(P)
	keyFrom(P)
}](d P, raw []byte) (StoredCell, error) {
	c := P(new(C))
	if raw != nil {
		if err := c.UnmarshalBinary(raw); err != nil {
			return nil, fmt.Errorf("stored cell: %w", err)
		}
	}
	c.keyFrom(d)
	c.Merge(d)
	return c, nil
}
