package index

import (
	"bufio"
	"bytes"
	"container/list"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// DocMeta is what the document store keeps besides the text.
type DocMeta struct {
	ID     string            `json:"id"`
	Input  int               `json:"input"`          // index into the shard manifest's Inputs
	Line   int64             `json:"line,omitempty"` // 1-based line in the input (JSONL)
	Offset int64             `json:"offset"`         // byte offset of the record in the uncompressed input
	Meta   map[string]string `json:"meta,omitempty"` // kept metadata fields, e.g. url
}

// Doc is a stored document.
type Doc struct {
	DocMeta
	Text []byte
}

const docIdxEntry = 32

// DefaultDocBlockSize is the uncompressed size at which a doc store block is
// closed. Larger blocks compress better; smaller ones make reading one
// document cheaper, and a check or trace at scale reads thousands of
// scattered documents. Measured on the dev corpus's text (bench/README,
// "Document store"): zstd's default level at 64 KiB stores 0.394× the text
// (fastest at 256 KiB: 0.404×) and decompresses a block in ~0.08 ms
// instead of ~0.5 ms; a trained dictionary gained 0.02× but halved
// decompression speed, so there is none.
const DefaultDocBlockSize = 64 << 10

// DocWriter appends documents to a shard's document store.
type DocWriter struct {
	data, idx       *os.File
	dataW, idxW     *bufio.Writer
	enc             *zstd.Encoder
	block           []byte // records of the open block
	blockStarts     []int  // record offsets within the open block
	tokStarts       []uint64
	off             uint64 // bytes written to data
	n               uint32
	blockSize       int
	scratch, packed []byte
}

// NewDocWriter creates dir/docs.zst and dir/docs.idx.
func NewDocWriter(data, idx string, blockSize int) (*DocWriter, error) {
	if blockSize <= 0 {
		blockSize = DefaultDocBlockSize
	}
	df, err := os.Create(data)
	if err != nil {
		return nil, err
	}
	xf, err := os.Create(idx)
	if err != nil {
		df.Close()
		return nil, err
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		df.Close()
		xf.Close()
		return nil, err
	}
	return &DocWriter{data: df, idx: xf, dataW: bufio.NewWriterSize(df, 1<<20), idxW: bufio.NewWriterSize(xf, 64<<10), enc: enc, blockSize: blockSize}, nil
}

// Add stores a document whose first token has shard-global position
// tokStart and returns its shard-local number.
func (w *DocWriter) Add(meta *DocMeta, text []byte, tokStart uint64) (uint32, error) {
	if w.n == ^uint32(0) {
		return 0, fmt.Errorf("index: shard holds the maximum of %d documents; use more shards", w.n)
	}
	mb, err := json.Marshal(meta)
	if err != nil {
		return 0, err
	}
	w.blockStarts = append(w.blockStarts, len(w.block))
	w.tokStarts = append(w.tokStarts, tokStart)
	w.block = binary.AppendUvarint(w.block, uint64(len(mb)))
	w.block = append(w.block, mb...)
	w.block = binary.AppendUvarint(w.block, uint64(len(text)))
	w.block = append(w.block, text...)
	n := w.n
	w.n++
	if len(w.block) >= w.blockSize {
		if err := w.flush(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func (w *DocWriter) flush() error {
	if len(w.blockStarts) == 0 {
		return nil
	}
	w.packed = w.enc.EncodeAll(w.block, w.packed[:0])
	for i, s := range w.blockStarts {
		var e [docIdxEntry]byte
		binary.LittleEndian.PutUint64(e[0:], w.off)
		binary.LittleEndian.PutUint64(e[8:], uint64(len(w.packed)))
		binary.LittleEndian.PutUint64(e[16:], uint64(s))
		binary.LittleEndian.PutUint64(e[24:], w.tokStarts[i])
		if _, err := w.idxW.Write(e[:]); err != nil {
			return err
		}
	}
	if _, err := w.dataW.Write(w.packed); err != nil {
		return err
	}
	w.off += uint64(len(w.packed))
	w.block, w.blockStarts, w.tokStarts = w.block[:0], w.blockStarts[:0], w.tokStarts[:0]
	return nil
}

// Count is the number of documents added.
func (w *DocWriter) Count() uint32 { return w.n }

// Close flushes and syncs both files.
func (w *DocWriter) Close() error {
	err := w.flush()
	for _, f := range []struct {
		b *bufio.Writer
		f *os.File
	}{{w.dataW, w.data}, {w.idxW, w.idx}} {
		if e := f.b.Flush(); err == nil {
			err = e
		}
		if e := f.f.Sync(); err == nil {
			err = e
		}
		if e := f.f.Close(); err == nil {
			err = e
		}
	}
	w.enc.Close()
	return err
}

// DocReader reads documents by number. It is safe for concurrent use and
// keeps a small cache of decompressed blocks, because the documents a query
// touches cluster (one item's hits are often in neighbouring records).
type DocReader struct {
	data *os.File
	idx  []byte // the whole docs.idx: 24 bytes a document
	dec  *zstd.Decoder

	mu       sync.Mutex
	cache    map[uint64]*list.Element
	lru      *list.List
	size     int64 // decompressed bytes cached
	maxBytes int64
}

// DefaultDocCacheBytes bounds a document store's cache of decompressed
// blocks (256 blocks of the default 64 KiB).
const DefaultDocCacheBytes = 16 << 20

// SetCacheBytes bounds the cache of decompressed blocks (at least one block
// is kept, whatever the bound).
func (r *DocReader) SetCacheBytes(n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.maxBytes = n
	r.evict()
}

func (r *DocReader) evict() {
	for r.size > r.maxBytes && r.lru.Len() > 1 {
		old := r.lru.Remove(r.lru.Back()).(*cachedBlock)
		delete(r.cache, old.off)
		r.size -= int64(len(old.data))
	}
}

type cachedBlock struct {
	off  uint64
	data []byte
}

// OpenDocReader opens a document store.
func OpenDocReader(data, idx string) (*DocReader, error) {
	ib, err := os.ReadFile(idx)
	if err != nil {
		return nil, err
	}
	if len(ib)%docIdxEntry != 0 {
		return nil, fmt.Errorf("%w: %s has %d bytes, not a multiple of %d", ErrCorrupt, idx, len(ib), docIdxEntry)
	}
	f, err := os.Open(data)
	if err != nil {
		return nil, err
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
	if err != nil {
		f.Close()
		return nil, err
	}
	return &DocReader{data: f, idx: ib, dec: dec, cache: map[uint64]*list.Element{}, lru: list.New(), maxBytes: DefaultDocCacheBytes}, nil
}

// Len is the number of documents.
func (r *DocReader) Len() int { return len(r.idx) / docIdxEntry }

// TokStart is the shard-global position of document n's first token.
func (r *DocReader) TokStart(n uint32) uint64 {
	return binary.LittleEndian.Uint64(r.idx[int(n)*docIdxEntry+24:])
}

// Locate maps a shard-global token position to (document, position in it):
// the last document whose first token is at or before gpos.
func (r *DocReader) Locate(gpos uint64) (Posting, error) {
	n := sort.Search(r.Len(), func(i int) bool { return r.TokStart(uint32(i)) > gpos }) - 1
	if n < 0 {
		return Posting{}, fmt.Errorf("%w: token position %d before the first document", ErrCorrupt, gpos)
	}
	return Posting{Doc: uint32(n), Pos: uint32(gpos - r.TokStart(uint32(n)))}, nil
}

// Doc returns document n; its text is the caller's.
func (r *DocReader) Doc(n uint32) (*Doc, error) {
	if int(n) >= r.Len() {
		return nil, fmt.Errorf("%w: document %d of %d", ErrCorrupt, n, r.Len())
	}
	e := r.idx[int(n)*docIdxEntry:]
	off := binary.LittleEndian.Uint64(e)
	clen := binary.LittleEndian.Uint64(e[8:])
	roff := binary.LittleEndian.Uint64(e[16:])
	block, err := r.block(off, clen)
	if err != nil {
		return nil, err
	}
	if roff >= uint64(len(block)) {
		return nil, fmt.Errorf("%w: document %d record offset %d beyond block", ErrCorrupt, n, roff)
	}
	b := block[roff:]
	ml, k := binary.Uvarint(b)
	if k <= 0 || ml > uint64(len(b)-k) {
		return nil, fmt.Errorf("%w: document %d: bad record", ErrCorrupt, n)
	}
	mb := b[k : k+int(ml)]
	b = b[k+int(ml):]
	tl, k := binary.Uvarint(b)
	if k <= 0 || tl > uint64(len(b)-k) {
		return nil, fmt.Errorf("%w: document %d: bad record", ErrCorrupt, n)
	}
	// A copy: a subslice would keep the whole decompressed block (256 KiB)
	// alive for as long as the caller holds the document, which is how a
	// query touching thousands of documents reached gigabytes.
	d := &Doc{Text: bytes.Clone(b[k : k+int(tl)])}
	if err := json.Unmarshal(mb, &d.DocMeta); err != nil {
		return nil, fmt.Errorf("%w: document %d: %v", ErrCorrupt, n, err)
	}
	return d, nil
}

func (r *DocReader) block(off, clen uint64) ([]byte, error) {
	r.mu.Lock()
	if el, ok := r.cache[off]; ok {
		r.lru.MoveToFront(el)
		b := el.Value.(*cachedBlock).data
		r.mu.Unlock()
		return b, nil
	}
	r.mu.Unlock()
	packed := make([]byte, clen)
	if _, err := r.data.ReadAt(packed, int64(off)); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%w: doc store block at %d: %v", ErrCorrupt, off, err)
	}
	data, err := r.dec.DecodeAll(packed, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: doc store block at %d: %v", ErrCorrupt, off, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.cache[off]; ok {
		return el.Value.(*cachedBlock).data, nil
	}
	r.cache[off] = r.lru.PushFront(&cachedBlock{off: off, data: data})
	r.size += int64(len(data))
	r.evict()
	return data, nil
}

// Close releases the files.
func (r *DocReader) Close() error {
	r.dec.Close()
	return r.data.Close()
}
