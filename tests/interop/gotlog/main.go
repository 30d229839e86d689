// Command gotlog checks a covergate log export with Go's reference
// implementation of transparency logs, golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog (Debian package golang-golang-x-mod-dev), and
// no covergate code:
//
//   - the checkpoint is a signed note that note.Open accepts with the
//     verifier key covergate prints;
//   - tlog.TileHashReader authenticates every hash tile it reads against the
//     checkpoint's root, and tlog.TreeHash recomputes that root;
//   - every entry in the entry bundles hashes (tlog.RecordHash) to its leaf,
//     and sampled entries have inclusion proofs (ProveRecord / CheckRecord);
//   - an older checkpoint is consistent with the newer (ProveTree / CheckTree);
//   - C2SP tlog-proof texts carry proofs that tlog.CheckRecord accepts.
//
// C2SP tlog-tiles drops the tile height from paths ("tile/0/x001/234"),
// where x/mod's Tile.Path has it ("tile/8/0/x001/234"); the reader maps one
// to the other, nothing else differs.
//
// Usage: gotlog -dir EXPORT_OR_URL -vkey KEY [-old CHECKPOINT_FILE] [ENTRY PROOF]...
//
// -dir is a directory written by "covergate log export" or the base URL of
// a served log (http://host/log), read with net/http.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

type checkpoint struct {
	origin string
	tree   tlog.Tree
}

// openCheckpoint verifies a signed note and parses a C2SP checkpoint body.
func openCheckpoint(msg []byte, verifiers note.Verifiers) (checkpoint, error) {
	n, err := note.Open(msg, verifiers)
	if err != nil {
		return checkpoint{}, fmt.Errorf("note.Open: %w", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return checkpoint{}, errors.New("checkpoint body has fewer than three lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return checkpoint{}, fmt.Errorf("bad tree size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return checkpoint{}, fmt.Errorf("bad root hash %q", lines[2])
	}
	var h tlog.Hash
	copy(h[:], root)
	return checkpoint{origin: lines[0], tree: tlog.Tree{N: size, Hash: h}}, nil
}

// read returns the file at a log path, from a directory or over HTTP.
func read(base, path string) ([]byte, error) {
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return os.ReadFile(filepath.Join(base, path))
	}
	resp, err := http.Get(strings.TrimSuffix(base, "/") + "/" + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

type tileReader struct{ dir string }

func (r tileReader) Height() int { return height }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := "tile/" + strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", height))
		data, err := read(r.dir, path)
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

// bundle reads entry bundle n of width w: 2-byte big-endian length, then data.
func bundle(dir string, n, w int64) ([][]byte, error) {
	t := tlog.Tile{H: height, L: 0, N: n, W: int(w)}
	path := "tile/entries/" + strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/0/", height))
	data, err := read(dir, path)
	if err != nil {
		return nil, err
	}
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, fmt.Errorf("%s: truncated length", path)
		}
		size := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+size {
			return nil, fmt.Errorf("%s: truncated entry", path)
		}
		entries = append(entries, data[2:2+size])
		data = data[2+size:]
	}
	if int64(len(entries)) != w {
		return nil, fmt.Errorf("%s: %d entries, want %d", path, len(entries), w)
	}
	return entries, nil
}

// checkProofText checks a C2SP tlog-proof text for an entry.
func checkProofText(entry, text []byte, verifiers note.Verifiers) (int64, error) {
	head, signed, ok := bytes.Cut(text, []byte("\n\n"))
	if !ok {
		return 0, errors.New("tlog-proof has no checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" {
		return 0, fmt.Errorf("bad header %q", lines[0])
	}
	lines = lines[1:]
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		lines = lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		return 0, errors.New("tlog-proof has no index line")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[0], "index "), 10, 64)
	if err != nil {
		return 0, err
	}
	var proof tlog.RecordProof
	for _, line := range lines[1:] {
		raw, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(raw) != tlog.HashSize {
			return 0, fmt.Errorf("bad proof hash %q", line)
		}
		var h tlog.Hash
		copy(h[:], raw)
		proof = append(proof, h)
	}
	cp, err := openCheckpoint(signed, verifiers)
	if err != nil {
		return 0, err
	}
	if err := tlog.CheckRecord(proof, cp.tree.N, cp.tree.Hash, index, tlog.RecordHash(entry)); err != nil {
		return 0, fmt.Errorf("entry %d: %w", index, err)
	}
	return index, nil
}

func run() error {
	dir := flag.String("dir", "", "log export directory")
	vkey := flag.String("vkey", "", "verifier key (name+keyid+base64)")
	oldFile := flag.String("old", "", "an older signed checkpoint to check consistency with")
	flag.Parse()
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		return fmt.Errorf("verifier key: %w", err)
	}
	verifiers := note.VerifierList(verifier)
	msg, err := read(*dir, "checkpoint")
	if err != nil {
		return err
	}
	cp, err := openCheckpoint(msg, verifiers)
	if err != nil {
		return err
	}
	size := cp.tree.N
	reader := tlog.TileHashReader(cp.tree, tileReader{*dir})
	root, err := tlog.TreeHash(size, reader)
	if err != nil {
		return fmt.Errorf("TreeHash: %w", err)
	}
	if root != cp.tree.Hash {
		return errors.New("tiles give another root than the checkpoint")
	}
	// Every entry against its leaf hash, read through the authenticated tiles.
	var indexes []int64
	var hashes []tlog.Hash
	for n := int64(0); n*256 < size; n++ {
		w := size - n*256
		if w > 256 {
			w = 256
		}
		entries, err := bundle(*dir, n, w)
		if err != nil {
			return err
		}
		for i, e := range entries {
			indexes = append(indexes, tlog.StoredHashIndex(0, n*256+int64(i)))
			hashes = append(hashes, tlog.RecordHash(e))
		}
	}
	leaves, err := reader.ReadHashes(indexes)
	if err != nil {
		return fmt.Errorf("ReadHashes: %w", err)
	}
	for i := range leaves {
		if leaves[i] != hashes[i] {
			return fmt.Errorf("entry %d does not hash to its leaf", i)
		}
	}
	// Inclusion proofs for a sample: the first, the last and every 97th.
	proved := 0
	for i := int64(0); i < size; i++ {
		if i != 0 && i != size-1 && i%97 != 0 {
			continue
		}
		p, err := tlog.ProveRecord(size, i, reader)
		if err != nil {
			return fmt.Errorf("ProveRecord %d: %w", i, err)
		}
		if err := tlog.CheckRecord(p, size, root, i, hashes[i]); err != nil {
			return fmt.Errorf("CheckRecord %d: %w", i, err)
		}
		proved++
	}
	consistent := ""
	if *oldFile != "" {
		oldMsg, err := os.ReadFile(*oldFile)
		if err != nil {
			return err
		}
		old, err := openCheckpoint(oldMsg, verifiers)
		if err != nil {
			return fmt.Errorf("old checkpoint: %w", err)
		}
		p, err := tlog.ProveTree(size, old.tree.N, reader)
		if err != nil {
			return fmt.Errorf("ProveTree: %w", err)
		}
		if err := tlog.CheckTree(p, size, root, old.tree.N, old.tree.Hash); err != nil {
			return fmt.Errorf("CheckTree: %w", err)
		}
		consistent = fmt.Sprintf(" consistent-with=%d", old.tree.N)
	}
	args := flag.Args()
	if len(args)%2 != 0 {
		return errors.New("entry and proof files come in pairs")
	}
	for i := 0; i < len(args); i += 2 {
		entry, err := os.ReadFile(args[i])
		if err != nil {
			return err
		}
		text, err := os.ReadFile(args[i+1])
		if err != nil {
			return err
		}
		if _, err := checkProofText(entry, text, verifiers); err != nil {
			return fmt.Errorf("%s: %w", args[i+1], err)
		}
	}
	fmt.Printf("ok origin=%s size=%d entries=%d proved=%d proof-texts=%d%s\n",
		cp.origin, size, len(hashes), proved, len(args)/2, consistent)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gotlog:", err)
		os.Exit(1)
	}
}
