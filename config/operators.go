package config

import (
	"fmt"
	"strings"

	gossh "golang.org/x/crypto/ssh"

	"github.com/hark-tui/hark/social"
)

// Actor is the operator as the engine records them.
func (o Operator) Actor() social.Actor { return social.Actor{Name: o.Name, Initials: o.Initials} }

// Actor is the solo agent as the engine records them.
func (a Agent) Actor() social.Actor { return social.Actor{Name: a.Name, Initials: a.Initials} }

// ParseKey reads one OpenSSH public key line (as in authorized_keys,
// without options).
func ParseKey(line string) (gossh.PublicKey, error) {
	key, _, options, rest, err := gossh.ParseAuthorizedKey([]byte(strings.TrimSpace(line)))
	switch {
	case err != nil:
		return nil, fmt.Errorf("not an OpenSSH public key: paste one line of a .pub file, like \"ssh-ed25519 AAAA… jane@laptop\"")
	case len(options) > 0:
		return nil, fmt.Errorf("key options (%s) are not supported: keep only \"type key comment\"", strings.Join(optionNames(options), ","))
	case len(strings.TrimSpace(string(rest))) > 0:
		return nil, fmt.Errorf("holds more than one key: give each key its own list entry")
	}
	return key, nil
}

func optionNames(opts []string) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i], _, _ = strings.Cut(o, "=")
	}
	return out
}

func (v *validator) operators(ops []Operator, brands map[string]bool) {
	initials := map[string]int{}
	names := map[string]int{}
	keys := map[string]string{} // marshalled key -> where first seen
	for i, o := range ops {
		key := fmt.Sprintf("operators[%d]", i)
		if o.Name == "" {
			v.add(key+".name", "is empty: every operator needs a name (their replies are signed with it)")
		} else if j, ok := names[strings.ToLower(o.Name)]; ok {
			v.add(key+".name", "%q is also operators[%d]: operator names must be unique", o.Name, j)
		} else {
			names[strings.ToLower(o.Name)] = i
		}
		switch up := strings.ToUpper(o.Initials); {
		case o.Initials == "":
			v.add(key+".initials", "is empty: give initials, e.g. initials: JD")
		case strings.ContainsFunc(o.Initials, func(r rune) bool { return r < ' ' || r == 0x7f || r == ' ' }):
			v.add(key+".initials", "%q has spaces or control characters: use letters, e.g. JD", o.Initials)
		default:
			if j, ok := initials[up]; ok {
				v.add(key+".initials", "%q are also operators[%d]'s initials: each operator needs their own (replies and claims show them)", o.Initials, j)
			} else {
				initials[up] = i
			}
		}
		if len(o.Keys) == 0 {
			v.add(key+".keys", "is empty: list the operator's SSH public key(s) (the key they connect with picks them), e.g. keys: [\"ssh-ed25519 AAAA… jane@laptop\"]")
		}
		for j, line := range o.Keys {
			kk := fmt.Sprintf("%s.keys[%d]", key, j)
			pk, err := ParseKey(line)
			if err != nil {
				v.add(kk, "%s", err)
				continue
			}
			m := string(pk.Marshal())
			if prev, ok := keys[m]; ok {
				v.add(kk, "is the same key as %s (%s): a key picks one operator", prev, gossh.FingerprintSHA256(pk))
				continue
			}
			keys[m] = kk
		}
		for j, b := range o.Brands {
			v.brandRef(fmt.Sprintf("%s.brands[%d]", key, j), b, brands)
		}
	}
}
