package scenario

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// injAtOnce is how many payloads Injection has in flight at once: a small
// batch, sent together, then judged in the corpus's order. An application
// that hashes passwords spends its time in the hash, and a batch keeps two
// cores busy; the side effects (canary file, written files, the canary
// listener) are looked for after each batch, and a batch that had one is
// sent again one payload at a time to name the payload that did it.
const injAtOnce = 4

// injSent is one payload's exchange.
type injSent struct {
	p       Payload
	res     *response
	err     error
	effects []string
}

// sendPayloads sends every payload into in, a batch at a time, and judges
// each answer against base; ok is false when the run must stop.
func (u *injRun) sendPayloads(ctx context.Context, in Input, base *response) (n int, oracle map[int]*[4]*response, ok bool) {
	oracle = map[int]*[4]*response{}
	b := in.builder()
	var list []Payload
	for _, p := range u.payloads {
		if (in.In == InHeader || in.In == InCookie) && !injHeaderValueOK(b.carried(p)) {
			u.skipped++
			continue
		}
		list = append(list, p)
	}
	for start := 0; start < len(list); start += injAtOnce {
		if ctx.Err() != nil {
			u.r.errorf("stopped: %v", ctx.Err())
			return n, oracle, false
		}
		for _, x := range u.sendBatch(ctx, b, list[start:min(start+injAtOnce, len(list))]) {
			if x.err != nil {
				u.r.errorf("%s ← %s payload %s: %v", in, x.p.Category, injShow(x.p.Value), x.err)
				continue
			}
			n++
			u.sent[x.p.Category]++
			u.total++
			if x.p.oracle.shape > 0 {
				if oracle[x.p.oracle.shape] == nil {
					oracle[x.p.oracle.shape] = new([4]*response)
				}
				oracle[x.p.oracle.shape][x.p.oracle.pos] = x.res
			}
			problems := append(injJudge(x.p, base, x.res), x.effects...)
			if len(problems) > 0 {
				u.failures = append(u.failures, injFailure{in, x.p, fmt.Sprintf("%s ← %s payload %s: %s, %s", in, x.p.Category, injShow(injSentValue(in, x.p)), x.res, strings.Join(problems, "; "))})
			}
		}
	}
	return n, oracle, true
}

// sendBatch sends batch into b's input at once and returns each exchange,
// with the side effects attributed to the payload that had them.
func (u *injRun) sendBatch(ctx context.Context, b injBuilder, batch []Payload) []injSent {
	out := make([]injSent, len(batch))
	send := func(i int) {
		out[i] = injSent{p: batch[i]}
		out[i].res, out[i].err = u.c.do(ctx, b.request(batch[i]))
	}
	if len(batch) == 1 {
		send(0)
		out[0].effects = u.sideEffect(batch[0])
		return out
	}
	var wg sync.WaitGroup
	for i := range batch {
		wg.Go(func() { send(i) })
	}
	wg.Wait()
	before := [3]int{u.canaryHits, u.writeHits, u.ssrfHits}
	effects := u.sideEffect(batch[0])
	if len(effects) == 0 {
		return out
	}
	// Something in the batch had a side effect (now removed): send each
	// payload again alone to learn which.
	batchHits := [3]int{u.canaryHits, u.writeHits, u.ssrfHits}
	found := false
	for i := range batch {
		send(i)
		out[i].effects = u.sideEffect(batch[i])
		found = found || len(out[i].effects) > 0
	}
	if found {
		// The hits counted are the lone sends' own, not the batch's too.
		u.canaryHits -= batchHits[0] - before[0]
		u.writeHits -= batchHits[1] - before[1]
		u.ssrfHits -= batchHits[2] - before[2]
	} else {
		// Not again: the effect needed the payloads together, or came late.
		// Name the batch on its first payload.
		others := make([]string, 0, len(batch)-1)
		for _, p := range batch[1:] {
			others = append(others, injShow(p.Value))
		}
		for j := range effects {
			effects[j] += " (sent at once with " + strings.Join(others, ", ") + "; none of them did it when sent again alone)"
		}
		out[0].effects = effects
	}
	return out
}
