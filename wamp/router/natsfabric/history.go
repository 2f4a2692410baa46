package natsfabric

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Event histories on JetStream (Options.JetStream). While routers run,
// each history keeps the publications that reach its router, local and
// federated (router.FabricLink.Publish records them, and a router
// subscribes to its histories' subjects from Start). JetStream adds what
// was published before the router started: every history (realm, URI,
// match) has a stream of its own, WAMPFAB_HIST_<hash>, on the subject the
// router subscribes to for it (interestSubject), which keeps the last
// Limit messages (and at most router.HistoryRingBytes) published there
// by any router, as they cross NATS. At Start the router makes the
// stream (or updates it: the last router's Limit holds) and loads its
// messages into the history, oldest first, before what the router has
// (router.FabricLink.LoadHistory). The copies of those messages that NATS
// also delivered live to the starting router are dropped, for one TTL
// (runEvents).

// historyStream names the stream of the history (topic, match) of realm.
func historyStream(realm, topic wamp.URI, match string) string {
	h := sha256.Sum256([]byte(string(realm) + "\x00" + match + "\x00" + string(topic)))
	return "WAMPFAB_HIST_" + strings.ToUpper(hex.EncodeToString(h[:12]))
}

// The NATS server stores a message in a stream after it routed it to
// the subscribers, on another goroutine: a message it routed before the
// router subscribed (so never delivered live) may be stored only after
// the router read the stream, past the stream's last sequence at Start.
// The router's live copies of the publications delivered while it loads
// (the first of its event queue, taken out for that: ev.early) show
// where the live part starts: a history is read until one of those is
// among what was read, or, when none came on its subject, to the
// stream's last sequence at Start; a live copy not stored yet is waited
// for (within jsTimeout). A message routed before the subscription and
// stored after that read while no other came on the subject meanwhile
// is still missed.

// testHookHistoryBatch, when set, runs after each batch loadHistory
// reads (tests).
var testHookHistoryBatch func()

// loadHistories makes the streams of the routers' histories and loads
// them (startJetStream). A history whose stream cannot be made (its
// subject overlaps another history's stream, say: a NATS server refuses
// overlapping streams) keeps only what reaches the router (logged).
func (f *Fabric) loadHistories() {
	loaded := map[wamp.ID]bool{}
	live := map[wamp.ID]string{} // publication ID → subject of ev.early's
	for _, realm := range f.link.Realms() {
		for _, h := range f.link.Histories(realm) {
			events, err := f.loadHistory(realm, h, live)
			if err != nil {
				f.log.Warn("natsfabric: event history not kept on JetStream: it keeps what reaches this router",
					"realm", realm, "uri", h.Topic, "match", h.Match, "err", err)
				continue
			}
			n, err := f.link.LoadHistory(realm, h.Topic, h.Match, events)
			if err != nil {
				f.log.Warn("natsfabric: event history not loaded", "realm", realm, "uri", h.Topic, "match", h.Match, "err", err)
				continue
			}
			for _, e := range events {
				loaded[e.Pub.ID] = true
			}
			f.log.Debug("natsfabric: event history loaded", "realm", realm, "uri", h.Topic, "match", h.Match, "events", n)
		}
	}
	if len(loaded) > 0 {
		f.js.mu.Lock()
		f.js.loaded = loaded
		f.js.mu.Unlock()
	}
}

// takeEarly moves the publications NATS delivered so far from the event
// queue to ev.early (eventQueue of them at most), noting their IDs in
// live. Before runEvents starts only.
func (f *Fabric) takeEarly(live map[wamp.ID]string) {
	for len(f.ev.early) < eventQueue {
		select {
		case msg := <-f.ev.ch:
			f.ev.early = append(f.ev.early, msg)
			if realm, topic, err := ParseSubject(msg.Subject); err == nil {
				if _, p, err := decodeEvent(msg.Data, realm, topic); err == nil {
					live[p.ID] = msg.Subject
				}
			}
		default:
			return
		}
	}
}

// liveAgainst tells where the live publications stand against read, the
// publication IDs read from the stream whose subject is filter: overlap,
// one was read; unread, one that filter takes was not.
func liveAgainst(filter string, live map[wamp.ID]string, read map[wamp.ID]bool) (overlap, unread bool) {
	for id, subject := range live {
		if read[id] {
			return true, false
		}
		if subjectMatches(filter, subject) {
			unread = true
		}
	}
	return false, unread
}

// subjectMatches reports whether the NATS subject filter ('*' a token,
// '>' the tokens left) takes subject.
func subjectMatches(filter, subject string) bool {
	for {
		ft, frest, fmore := strings.Cut(filter, ".")
		st, srest, smore := strings.Cut(subject, ".")
		switch {
		case ft == ">":
			return true
		case ft != "*" && ft != st:
			return false
		case !fmore || !smore:
			return fmore == smore
		}
		filter, subject = frest, srest
	}
}

// loadHistory makes the stream of h and reads its messages, oldest
// first: those stored before the live part of what the router receives
// (live) started, at least.
func (f *Fabric) loadHistory(realm wamp.URI, h router.FabricHistory, live map[wamp.ID]string) ([]router.FabricHistoryEvent, error) {
	subject := interestSubject(realm, h.Topic, h.Match)
	if len(subject) > maxSubject {
		return nil, errSubjectTooLong
	}
	ctx, cancel := context.WithTimeout(context.Background(), jsTimeout)
	defer cancel()
	st, err := f.js.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: historyStream(realm, h.Topic, h.Match), Subjects: []string{subject},
		MaxMsgs: int64(h.Limit), MaxBytes: router.HistoryRingBytes, Discard: jetstream.DiscardOld,
		Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, err
	}
	state := st.CachedInfo().State
	f.takeEarly(live)
	if _, unread := liveAgainst(subject, live, nil); state.Msgs == 0 && !unread {
		return nil, nil
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{InactiveThreshold: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	var out []router.FabricHistoryEvent
	read := map[wamp.ID]bool{}
	wait := false // for a live copy's stored message
	for {
		var batch jetstream.MessageBatch
		if wait {
			deadline, _ := ctx.Deadline()
			d := time.Until(deadline)
			if d <= 0 {
				f.log.Info("natsfabric: a history's stream lacks events delivered live; its load ends without them",
					"realm", realm, "uri", h.Topic, "match", h.Match)
				return out, nil
			}
			batch, err = cons.Fetch(1, jetstream.FetchMaxWait(d))
		} else {
			batch, err = cons.FetchNoWait(256)
		}
		if err != nil {
			return nil, err
		}
		n, last := 0, uint64(0)
		for m := range batch.Messages() {
			n++
			meta, err := m.Metadata()
			if err != nil {
				continue
			}
			last = meta.Sequence.Stream
			e, err := decodeHistoryEvent(m.Subject(), m.Data())
			if err != nil {
				f.log.Info("natsfabric: undecodable event in a history's stream", "subject", m.Subject(), "err", err)
				continue
			}
			read[e.Pub.ID] = true
			e.At = meta.Timestamp
			out = append(out, e)
		}
		if err := batch.Error(); err != nil && !(wait && errors.Is(err, nats.ErrTimeout)) {
			return nil, err
		}
		if testHookHistoryBatch != nil {
			testHookHistoryBatch()
		}
		if n > 0 && last < state.LastSeq {
			continue
		}
		f.takeEarly(live)
		overlap, unread := liveAgainst(subject, live, read)
		if overlap || !unread {
			return out, nil // what was stored before the live part is read
		}
		wait = n == 0
	}
}

type fabricError string

func (e fabricError) Error() string { return string(e) }

const errSubjectTooLong = fabricError("natsfabric: subject too long")

// decodeHistoryEvent decodes a message of a history's stream: an event
// on its publication subject.
func decodeHistoryEvent(subject string, data []byte) (router.FabricHistoryEvent, error) {
	realm, topic, err := ParseSubject(subject)
	if err != nil {
		return router.FabricHistoryEvent{}, err
	}
	_, p, err := decodeEvent(data, realm, topic)
	if err != nil {
		return router.FabricHistoryEvent{}, err
	}
	return router.FabricHistoryEvent{Pub: p}, nil
}

// takeLoaded returns the publications loaded into histories at Start,
// once (runEvents).
func (f *Fabric) takeLoaded() map[wamp.ID]bool {
	if f.js == nil {
		return nil
	}
	f.js.mu.Lock()
	defer f.js.mu.Unlock()
	l := f.js.loaded
	f.js.loaded = nil
	return l
}

// wasLoaded reports whether msg is a publication loaded into a history
// at Start: its live copy is dropped, as it was published before the
// router had any session.
func wasLoaded(msg *nats.Msg, loaded map[wamp.ID]bool) bool {
	realm, topic, err := ParseSubject(msg.Subject)
	if err != nil {
		return false
	}
	_, p, err := decodeEvent(msg.Data, realm, topic)
	return err == nil && loaded[p.ID]
}
