package pgtest

import (
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Proxy is a TCP proxy between one client and the cluster that can stall
// (stop forwarding, sockets kept open: the client's queries hang, as
// behind a network fault; the kernel still answers keepalives) or reset
// (close every connection). Point a client at DSN.
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	stall  bool
	wake   chan struct{} // closed when a stall ends
	conns  map[net.Conn]bool
	closed bool
}

// NewProxy starts a proxy to the cluster.
func (c *Cluster) NewProxy() (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: "127.0.0.1:" + strconv.Itoa(c.Port), conns: map[net.Conn]bool{}, wake: make(chan struct{})}
	go p.accept()
	return p, nil
}

// Via is dsn (a URL of the proxy's cluster) through the proxy.
func (p *Proxy) Via(dsn string) string {
	port := strconv.Itoa(p.ln.Addr().(*net.TCPAddr).Port)
	_, target, _ := strings.Cut(p.target, ":")
	return strings.Replace(dsn, ":"+target+"/", ":"+port+"/", 1)
}

// Stall stops forwarding in both directions (connections stay open).
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stall {
		p.stall = true
		p.wake = make(chan struct{})
	}
}

// Pass forwards again.
func (p *Proxy) Pass() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stall {
		p.stall = false
		close(p.wake)
	}
}

// Reset closes every connection (new ones are accepted).
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Close stops the proxy.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
	p.Pass()
	p.Reset()
}

func (p *Proxy) accept() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			in.Close()
			out.Close()
			return
		}
		p.conns[in], p.conns[out] = true, true
		p.mu.Unlock()
		go p.pipe(in, out)
		go p.pipe(out, in)
	}
}

// pipe copies src to dst a read at a time, holding each read while stalled.
func (p *Proxy) pipe(src, dst net.Conn) {
	defer src.Close()
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			for {
				p.mu.Lock()
				stalled, wake := p.stall, p.wake
				p.mu.Unlock()
				if !stalled {
					break
				}
				<-wake
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			return
		}
	}
}
