/*
Copyright 2026 The serving-keda Authors

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Command netns-exec runs a command in the network namespace it was started
// in (test/cluster starts it under `unshare -n`), with one TCP address of the
// outer namespace reachable at the same address inside: it brings up the
// loopback device, listens on --listen and relays every connection to the
// Unix socket --socket (path-named Unix sockets cross network namespaces),
// which test/cluster relays to the API server. So a process whose ports are
// fixed (knative.dev/pkg's health probes on 8080) can run beside another
// with the same ports, and still use the cluster's usual kubeconfig.
//
// Usage: netns-exec --listen 127.0.0.1:PORT --socket PATH -- COMMAND [ARG...]
//
// It exits with COMMAND's status; SIGTERM and SIGINT are passed on to it,
// and COMMAND is killed if netns-exec dies.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/serving-keda/serving-keda/test/cluster/relay"
)

func main() {
	listen := flag.String("listen", "", "address to listen on inside the namespace (the API server's host:port)")
	socket := flag.String("socket", "", "Unix socket to relay each connection to")
	flag.Parse()
	if *listen == "" || *socket == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: netns-exec --listen HOST:PORT --socket PATH -- COMMAND [ARG...]")
		os.Exit(2)
	}
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		fatalf("ip link set lo up: %v: %s", err, out)
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fatalf("listening on %s: %v", *listen, err)
	}
	go serve(l, *socket)

	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	// A process group of its own: a stop signals netns-exec's group, and the
	// command must get that signal once, from here (a second SIGTERM makes
	// knative.dev/pkg's signal handler exit at once, before it releases its
	// leader-election leases).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	sigs := make(chan os.Signal, 2)
	// Registered before the start, so a stop that comes early is not lost.
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	if err := cmd.Start(); err != nil {
		fatalf("starting %s: %v", flag.Arg(0), err)
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		os.Exit(0)
	case errors.As(err, &exit):
		if code := exit.ExitCode(); code >= 0 {
			os.Exit(code)
		}
		os.Exit(1) // killed by a signal
	default:
		fatalf("%s: %v", flag.Arg(0), err)
	}
}

// serve accepts connections on l and pipes each to a new connection to the
// Unix socket.
func serve(l net.Listener, socket string) {
	for {
		c, err := l.Accept()
		if err != nil {
			fatalf("accept: %v", err)
		}
		go func() {
			defer c.Close()
			u, err := net.Dial("unix", socket)
			if err != nil {
				fmt.Fprintf(os.Stderr, "netns-exec: dialling %s: %v\n", socket, err)
				return
			}
			defer u.Close()
			relay.Both(c, u)
		}()
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "netns-exec: "+format+"\n", args...)
	os.Exit(1)
}
