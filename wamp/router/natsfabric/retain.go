package natsfabric

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Retained events on JetStream (Options.JetStream). The router that
// takes a PUBLISH with retain=true (and keeps it) sends the publication,
// encoded as an event (wire.go), to wampret.<realm>.<topic> (the tokens
// of Subject); the stream WAMPFAB_RETAINED keeps the last message of each
// of those subjects. A PUBLISH with retain=true that its router declined
// (the realm's bounds) sends a message with the header
// Wampfab-Retained: cleared and no body in its place: the topic has no
// retained event any more. A SUBSCRIBE with get_retained=true is held
// while the router fetches the last message of the subjects its
// subscription may match (router.FabricRetain); the router keeps what
// comes in its retained store, then answers the SUBSCRIBE and delivers
// them.

const (
	retainPrefix   = "wampret."
	retainedStream = "WAMPFAB_RETAINED"
	// retainedHeader, with the value retainedCleared, marks a topic's
	// retained event as gone.
	retainedHeader  = "Wampfab-Retained"
	retainedCleared = "cleared"
	// jsTimeout bounds each request to JetStream.
	jsTimeout = 5 * time.Second
	// maxFetches bounds the retained-event fetches in flight; past it a
	// SUBSCRIBE with get_retained=true gets the router's own retained
	// events only (logged).
	maxFetches = 64
	// DefaultRetainedBytes is the bound of the stream of retained events
	// when Options.RetainedBytes is zero.
	DefaultRetainedBytes = 256 << 20
)

// jsState is the fabric's JetStream: nil without Options.JetStream.
type jsState struct {
	js       jetstream.JetStream
	retained jetstream.Stream
	ctx      context.Context // canceled by Close
	cancel   context.CancelFunc
	fetches  chan struct{} // a slot per fetch in flight: maxFetches

	mu     sync.Mutex
	loaded map[wamp.ID]bool // history.go: the publications loaded at Start
}

// errNoJetStream wraps what the NATS server answered when
// Options.JetStream is set but it has no JetStream.
var errNoJetStream = errors.New("natsfabric: Options.JetStream is set but the NATS server has no JetStream for this connection")

// startJetStream makes the streams of retained events and event
// histories and loads the histories (Start). Without Options.JetStream it
// does nothing.
func (f *Fabric) startJetStream() error {
	if !f.opts.JetStream {
		return nil
	}
	js, err := jetstream.New(f.nc)
	if err != nil {
		return fmt.Errorf("%w: %w", errNoJetStream, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), jsTimeout)
	defer cancel()
	if _, err := js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("%w: %w", errNoJetStream, err)
	}
	maxBytes := f.opts.RetainedBytes
	if maxBytes <= 0 {
		maxBytes = DefaultRetainedBytes
	}
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: retainedStream, Subjects: []string{retainPrefix + ">"}, MaxMsgsPerSubject: 1,
		MaxBytes: maxBytes, Discard: jetstream.DiscardOld, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return fmt.Errorf("natsfabric: the JetStream stream %s: %w", retainedStream, err)
	}
	s := &jsState{js: js, retained: st, fetches: make(chan struct{}, maxFetches)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	f.js = s
	f.loadHistories() // history.go
	return nil
}

// stopJetStream ends the fetches in flight (Close, before waiting for
// the fabric's goroutines).
func (f *Fabric) stopJetStream() {
	if f.js != nil {
		f.js.cancel()
	}
}

// retainSubject is the subject of topic's retained event in realm.
func retainSubject(realm, topic wamp.URI) string {
	return retainPrefix + strings.TrimPrefix(Subject(realm, topic), eventPrefix)
}

// Retain implements router.FabricRetain: the publication becomes its
// topic's retained event on JetStream, or, declined by its router (or
// too large for the NATS server), clears the topic's.
func (f *Fabric) Retain(p *router.FabricPublication, kept bool) {
	if f.js == nil {
		return
	}
	subject := retainSubject(p.Realm, p.Topic)
	if len(subject) > maxSubject {
		f.log.Info("natsfabric: retained event not kept on JetStream: topic too long", "topic", p.Topic)
		return
	}
	cleared := &nats.Msg{Subject: subject, Header: nats.Header{retainedHeader: []string{retainedCleared}}}
	if !kept {
		f.publishMsg(cleared)
		return
	}
	b, err := encodeEvent(f.node, p)
	if err == nil {
		err = f.nc.PublishMsg(&nats.Msg{Subject: subject, Data: b})
	}
	if err != nil {
		f.log.Info("natsfabric: retained event not kept on JetStream; the topic's is cleared", "topic", p.Topic, "err", err)
		f.publishMsg(cleared)
	}
}

func (f *Fabric) publishMsg(m *nats.Msg) {
	if err := f.nc.PublishMsg(m); err != nil {
		f.log.Debug("natsfabric: publish failed", "subject", m.Subject, "err", err)
	}
}

// Retained implements router.FabricRetain: the SUBSCRIBE is held while a
// goroutine fetches the retained events its subscription may match from
// JetStream (at most maxFetches at a time, each request bounded by
// jsTimeout). A fetch that fails gives nothing: the router's own retained
// events go (logged).
func (f *Fabric) Retained(q router.FabricRetainedQuery, done func(router.FabricRetained)) bool {
	if f.js == nil {
		return true
	}
	f.pmu.Lock()
	defer f.pmu.Unlock()
	if f.closed {
		return true
	}
	select {
	case f.js.fetches <- struct{}{}:
	default:
		f.log.Warn("natsfabric: too many retained-event fetches in flight: this SUBSCRIBE gets the router's own",
			"topic", q.Topic, "max", maxFetches)
		return true
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		got, err := f.fetchRetained(q)
		<-f.js.fetches
		if err != nil {
			f.log.Info("natsfabric: retained events not fetched from JetStream", "topic", q.Topic, "match", q.Match, "err", err)
		}
		done(got)
	}()
	return false
}

// fetchRetained gets the last message of each retained-event subject
// that a subscription (q.Topic, q.Match) may match: at most q.MaxTopics
// of them (in subject order) and, past the first, about q.MaxBytes.
func (f *Fabric) fetchRetained(q router.FabricRetainedQuery) (router.FabricRetained, error) {
	var out router.FabricRetained
	ctx, cancel := context.WithTimeout(f.js.ctx, jsTimeout)
	defer cancel()
	var subjects []string
	if q.Match == wamp.MatchExact {
		s := retainSubject(q.Realm, q.Topic)
		if len(s) > maxSubject {
			return out, nil
		}
		subjects = []string{s}
	} else {
		filter := retainPrefix + strings.TrimPrefix(interestSubject(q.Realm, q.Topic, q.Match), eventPrefix)
		if len(filter) > maxSubject {
			return out, nil
		}
		info, err := f.js.retained.Info(ctx, jetstream.WithSubjectFilter(filter))
		if err != nil {
			return out, err
		}
		for s := range info.State.Subjects {
			if q.Match == wamp.MatchPrefix && !retainedUnderPrefix(s, q.Topic) {
				continue // the filter's whole components hold more (interestSubject)
			}
			subjects = append(subjects, s)
		}
		slices.Sort(subjects)
	}
	size := 0
	for _, s := range subjects {
		if len(out.Events) >= q.MaxTopics || size > q.MaxBytes {
			break
		}
		m, err := f.js.retained.GetLastMsgForSubject(ctx, s)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		cleared, p, err := decodeRetained(m.Subject, m.Header, m.Data)
		switch {
		case err != nil:
			f.log.Info("natsfabric: undecodable retained event", "subject", m.Subject, "err", err)
		case cleared:
			out.Cleared = append(out.Cleared, p.Topic)
		default:
			size += len(m.Data)
			out.Events = append(out.Events, p)
		}
	}
	return out, nil
}

// retainedUnderPrefix reports whether subject, a retained-event subject,
// is of a topic that starts with prefix: the subjects a prefix's filter
// gives that the prefix does not match are left out before the query's
// bounds count them.
func retainedUnderPrefix(subject string, prefix wamp.URI) bool {
	_, topic, err := ParseSubject(eventPrefix + strings.TrimPrefix(subject, retainPrefix))
	return err == nil && strings.HasPrefix(string(topic), string(prefix))
}

// decodeRetained decodes a message of the stream of retained events:
// cleared says the topic has none (p then has only Realm and Topic).
func decodeRetained(subject string, h nats.Header, data []byte) (cleared bool, p *router.FabricPublication, err error) {
	rest, ok := strings.CutPrefix(subject, retainPrefix)
	if !ok {
		return false, nil, ErrBadSubject
	}
	realm, topic, err := ParseSubject(eventPrefix + rest)
	if err != nil {
		return false, nil, err
	}
	if h.Get(retainedHeader) == retainedCleared {
		return true, &router.FabricPublication{Realm: realm, Topic: topic}, nil
	}
	_, p, err = decodeEvent(data, realm, topic)
	if err != nil {
		return false, nil, err
	}
	return false, p, nil
}
