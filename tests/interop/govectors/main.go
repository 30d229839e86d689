// Command govectors prints test vectors computed by Go's reference
// implementation, golang.org/x/mod/sumdb/tlog and golang.org/x/mod/sumdb/note
// (Debian package golang-golang-x-mod-dev), as one JSON document on stdout.
// tests/interop/test_go_vectors.py compares covergate.tlog with them.
//
// Entries are "leaf <i>" for i = 0 .. n-1 (as x/mod's own TestTree). For
// every size up to -all, every inclusion and consistency proof; for a few
// larger sizes around tile boundaries, sampled ones; the tiles (height 8) of
// those sizes (above 1000 leaves, only those the last leaf changed); and
// notes signed with deterministic keys.
//
// Usage: govectors [-all N] [-max N]
package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Size  int64    `json:"size"`
	Index int64    `json:"index"`
	Proof []string `json:"proof"`
}

type consistency struct {
	Old   int64    `json:"old"`
	New   int64    `json:"new"`
	Proof []string `json:"proof"`
}

type tile struct {
	Size int64  `json:"size"`
	Path string `json:"path"` // C2SP form, without the height
	Data string `json:"data"`
}

type signed struct {
	Skey string `json:"skey"`
	Vkey string `json:"vkey"`
	Text string `json:"text"`
	Note string `json:"note"`
}

type vectors struct {
	Roots       map[int64]string `json:"roots"`
	Inclusion   []inclusion      `json:"inclusion"`
	Consistency []consistency    `json:"consistency"`
	Tiles       []tile           `json:"tiles"`
	Notes       []signed         `json:"notes"`
}

type store []tlog.Hash

func (s store) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = s[x]
	}
	return out, nil
}

func b64s(hs []tlog.Hash) []string {
	out := []string{}
	for _, h := range hs {
		out = append(out, base64.StdEncoding.EncodeToString(h[:]))
	}
	return out
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "govectors:", err)
		os.Exit(1)
	}
}

func main() {
	all := flag.Int64("all", 40, "every proof of every size up to this")
	max := flag.Int64("max", 70000, "largest tree")
	flag.Parse()

	var s store
	roots := map[int64]string{}
	var v vectors
	sampled := map[int64]bool{}
	for _, n := range []int64{255, 256, 257, 511, 512, 513, 1000, 65535, 65536, 65537, 70000} {
		if n <= *max {
			sampled[n] = true
		}
	}
	for n := int64(0); n < *max; n++ {
		hashes, err := tlog.StoredHashes(n, []byte(fmt.Sprintf("leaf %d", n)), s)
		must(err)
		s = append(s, hashes...)
		size := n + 1
		if size > *all && !sampled[size] {
			continue
		}
		th, err := tlog.TreeHash(size, s)
		must(err)
		roots[size] = base64.StdEncoding.EncodeToString(th[:])
		var indexes, olds []int64
		if size <= *all {
			for i := int64(0); i < size; i++ {
				indexes = append(indexes, i)
				olds = append(olds, i+1)
			}
		} else {
			indexes = []int64{0, 1, size / 3, size / 2, size - 2, size - 1}
			olds = []int64{1, 2, 255, 256, 257, size / 2, size - 1}
		}
		for _, i := range indexes {
			p, err := tlog.ProveRecord(size, i, s)
			must(err)
			v.Inclusion = append(v.Inclusion, inclusion{size, i, b64s(p)})
		}
		for _, o := range olds {
			if o > size {
				continue
			}
			p, err := tlog.ProveTree(size, o, s)
			must(err)
			v.Consistency = append(v.Consistency, consistency{o, size, b64s(p)})
		}
		if sampled[size] || size <= 3 {
			from := int64(0) // every tile of small trees; of large ones, the last leaf's
			if size > 1000 {
				from = size - 1
			}
			for _, t := range tlog.NewTiles(8, from, size) {
				data, err := tlog.ReadTileData(t, s)
				must(err)
				// x/mod writes "tile/8/<L>/..."; C2SP drops the height.
				path := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
				v.Tiles = append(v.Tiles, tile{size, path, base64.StdEncoding.EncodeToString(data)})
			}
		}
	}
	// x/mod's TreeHash(0) is the zero hash, not RFC 6962's SHA-256 of the
	// empty string: reported as it is, the test names the difference.
	th0, err := tlog.TreeHash(0, s)
	must(err)
	roots[0] = base64.StdEncoding.EncodeToString(th0[:])
	v.Roots = roots

	// Notes: deterministic keys (seed byte i repeated), texts of every kind.
	texts := []string{
		"hello\n",
		"example.com/log\n5\n" + roots[5] + "\n",
		"go.sum database tree\n3\n" + roots[3] + "\n",
		"para one\n\npara two\n",
		"unicode \u00e9\u00e8 \u2014 \U0001F600\n",
	}
	for i, name := range []string{"example.com/log", "PeterNeumann", "a.example/\u00e9", "log/with:colon"} {
		skey, vkey := keyPair(name, byte(i+1))
		signer, err := note.NewSigner(skey)
		must(err)
		for _, text := range texts {
			msg, err := note.Sign(&note.Note{Text: text}, signer)
			must(err)
			v.Notes = append(v.Notes, signed{skey, vkey, text, string(msg)})
		}
	}
	must(json.NewEncoder(os.Stdout).Encode(v))
}

// keyPair builds the x/mod key strings of an Ed25519 key whose seed is byte b
// repeated, through note.NewEd25519VerifierKey and the documented signer
// key layout (PRIVATE+KEY+name+hash+base64(0x01 || seed)).
func keyPair(name string, b byte) (string, string) {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = b
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	must(err)
	hash := strings.Split(vkey[len(name)+1:], "+")[0]
	skey := "PRIVATE+KEY+" + name + "+" + hash + "+" +
		base64.StdEncoding.EncodeToString(append([]byte{1}, seed...))
	return skey, vkey
}
