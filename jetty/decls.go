package jetty

// A feature of 10,000 scenarios keeps 10,000 decls while it runs, and each
// garbage collection that runs meanwhile visits every pointer to them:
// declList keeps them in chunks, found through one pointer per chunk, and
// declNames finds a repeated name through a map that holds no pointer.

// declChunk is how many decls a chunk of a declList holds.
const declChunk = 64

// declList holds a feature's scenarios in declaration order, in chunks that
// never move, so that a decl's address is stable.
type declList struct {
	chunks []*[declChunk]decl
	n      int
}

// add returns a new decl at the end of the list, and its index.
func (l *declList) add() (int, *decl) {
	i := l.n
	if i%declChunk == 0 {
		l.chunks = append(l.chunks, new([declChunk]decl))
	}
	l.n++
	return i, l.at(i)
}

func (l *declList) at(i int) *decl { return &l.chunks[i/declChunk][i%declChunk] }

func (l *declList) len() int { return l.n }

// all yields the decls in order.
func (l *declList) all(yield func(*decl) bool) {
	for i := range l.n {
		if !yield(l.at(i)) {
			return
		}
	}
}

// declNames finds a declared scenario by mode and subtest name (spaces read
// as "_", as package testing names the subtest): a map from a hash of the
// two to the decl's index, and the rare decls whose hash another decl has
// already, in a list of their own.
type declNames struct {
	byHash map[uint64]int32
	more   []int32 // indexes of decls whose hash was taken
}

// nameHash is FNV-1a of the mode and the subtest name.
func nameHash(mode Mode, name string) uint64 {
	h := uint64(14695981039346656037)
	h = (h ^ uint64(mode)) * 1099511628211
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == ' ' {
			c = '_'
		}
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// sameSubtest reports whether names a and b make the same subtest name.
func sameSubtest(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca == ' ' {
			ca = '_'
		}
		if cb == ' ' {
			cb = '_'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// find returns the decl of l with mode and name's subtest name, or nil.
func (n *declNames) find(l *declList, mode Mode, name string) *decl {
	i, ok := n.byHash[nameHash(mode, name)]
	if !ok {
		return nil
	}
	if d := l.at(int(i)); d.mode == mode && sameSubtest(d.title, name) {
		return d
	}
	for _, i := range n.more {
		if d := l.at(int(i)); d.mode == mode && sameSubtest(d.title, name) {
			return d
		}
	}
	return nil
}

// add records decl i, of mode and name, which find did not find.
func (n *declNames) add(mode Mode, name string, i int) {
	h := nameHash(mode, name)
	if n.byHash == nil {
		n.byHash = map[uint64]int32{}
	}
	if _, taken := n.byHash[h]; taken {
		n.more = append(n.more, int32(i))
		return
	}
	n.byHash[h] = int32(i)
}
