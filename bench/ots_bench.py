#!/usr/bin/env python3
"""Stamping and verifying N small files: PeerDB against the reference OpenTimestamps library.

Both sides do the same work in the same run, on the same machine, on their own copy of the same
files: stamp (hash, nonce, one Merkle tree, one calendar submission, write FILE.ots for each) and
verify (hash each file, parse its proof, check the digest and its Bitcoin attestation against a
header). The calendar and Bitcoin are a `peerdb devchain` on loopback; verification is offline
against a headers file built from that devchain, so neither side pays for the network there.
Absolute times on a shared machine are noisy: the ratio is the figure to read.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = os.path.join(ROOT, 'bench', 'ots_reference.py')


def build_peerdb():
    subprocess.run(['cmake', '--preset', 'release'], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(['cmake', '--build', '--preset', 'release', '-j', os.environ.get('JOBS', '2'),
                    '--target', 'peerdb'], cwd=ROOT, check=True)
    return os.path.join(ROOT, 'build', 'release', 'peerdb')


def make_files(directory, count):
    os.makedirs(directory)
    names = []
    for i in range(count):
        name = 'f%06d' % i
        with open(os.path.join(directory, name), 'wb') as f:
            f.write(b'entry %d of the books\n' % i + os.urandom(32).hex().encode())
        names.append(name)
    with open(os.path.join(directory, 'LIST'), 'w') as f:
        f.write(''.join(n + '\n' for n in names))
    return names


def start_devchain(peerdb, data_dir):
    port_file = os.path.join(data_dir, 'port')
    proc = subprocess.Popen([peerdb, 'devchain', '--data', data_dir, '--block-interval-ms', '0',
                             '--port-file', port_file], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while not (os.path.exists(port_file) and open(port_file).read().strip()):
        if proc.poll() is not None or time.time() > deadline:
            raise SystemExit('devchain did not start: ' + proc.stderr.read().decode())
        time.sleep(0.05)
    return proc, 'http://127.0.0.1:%s' % open(port_file).read().strip()


def http(url, body=None):
    request = urllib.request.Request(url, data=body, method='POST' if body is not None else 'GET')
    if body is not None:
        request.add_header('Content-Type', 'application/json')
    with urllib.request.urlopen(request, timeout=30) as resp:
        return resp.read().decode()


def write_headers_file(devchain, path):
    tip = int(http(devchain + '/blocks/tip/height'))
    entries = {}
    for height in range(tip + 1):
        block_hash = http('%s/block-height/%d' % (devchain, height)).strip()
        entries[str(height)] = {'hash': block_hash,
                                'header': http('%s/block/%s/header' % (devchain, block_hash)).strip()}
    with open(path, 'w') as f:
        json.dump(entries, f)


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime, usage.ru_stime


def timed(cmd, cwd):
    """Runs cmd; returns (wall seconds, (user, system) CPU seconds of the child, stdout)."""
    cpu_before = children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    cpu = tuple(after - before for after, before in zip(children_cpu(), cpu_before))
    if proc.returncode != 0:
        raise SystemExit('%s failed (%d): %s' % (cmd[:2], proc.returncode, proc.stderr.decode()[-2000:]))
    return seconds, cpu, proc.stdout.decode()


def reference(mode, cwd, extra):
    _, cpu, out = timed(['/usr/bin/python3', REFERENCE, mode, '--list', 'LIST'] + extra, cwd)
    result = json.loads(out.strip().splitlines()[-1])
    if result.get('failures'):
        raise SystemExit('reference %s: %d failures' % (mode, result['failures']))
    return result['seconds'], cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--files', type=int, default=int(os.environ.get('OTS_BENCH_FILES', '100000')))
    parser.add_argument('--dir', default=os.environ.get('OTS_BENCH_DIR'))
    parser.add_argument('--peerdb', help='use this binary instead of building the release preset')
    args = parser.parse_args()
    peerdb = os.path.abspath(args.peerdb) if args.peerdb else build_peerdb()
    scratch = tempfile.mkdtemp(prefix='peerdb-ots-bench-', dir=args.dir)
    devchain = None
    try:
        ours, theirs = os.path.join(scratch, 'peerdb'), os.path.join(scratch, 'reference')
        names = make_files(ours, args.files)
        shutil.copytree(ours, theirs)
        devchain, url = start_devchain(peerdb, os.path.join(scratch, 'devchain'))

        # Stamp: one process each, every file named on the command line / in the list.
        stamp_ours, stamp_ours_cpu, _ = timed([peerdb, 'stamp', '--no-progress', '-c', url, '-m', '1'] + names, ours)
        stamp_ref, stamp_ref_cpu = reference('stamp', theirs, ['--calendar', url])

        # Make both sets complete: mine the calendar's commitment, upgrade (not timed).
        http(url + '/admin/mine', json.dumps({'blocks': 2}).encode())
        for d in (ours, theirs):
            timed([peerdb, 'upgrade', '-c', url] + [n + '.ots' for n in names], d)
        headers = os.path.join(scratch, 'headers.json')
        write_headers_file(url, headers)

        verify_ours, verify_ours_cpu, _ = timed([peerdb, 'verify', '--headers', headers, '--network', 'regtest'] + names, ours)
        verify_ref, verify_ref_cpu = reference('verify', theirs, ['--headers', headers])
    finally:
        if devchain:
            devchain.send_signal(signal.SIGTERM)
            devchain.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)

    rows = [('stamp', stamp_ours, stamp_ref, stamp_ours_cpu, stamp_ref_cpu),
            ('verify', verify_ours, verify_ref, verify_ours_cpu, verify_ref_cpu)]
    print('\n%d files     wall: peerdb  reference  ratio | user CPU: peerdb  reference  ratio | '
          'system CPU: peerdb  reference' % args.files)
    for name, ours_s, ref_s, ours_cpu, ref_cpu in rows:
        print('%-8s %13.2f s %8.2f s %6.1fx | %15.2f s %8.2f s %6.1fx | %17.2f s %8.2f s' % (
            name, ours_s, ref_s, ref_s / ours_s, ours_cpu[0], ref_cpu[0], ref_cpu[0] / max(ours_cpu[0], 1e-3),
            ours_cpu[1], ref_cpu[1]))
    print('(peerdb wall times include process start; reference wall times exclude interpreter start;\n'
          ' system CPU is mostly the kernel creating, opening and reading the files; CPU times include process start)')


if __name__ == '__main__':
    sys.exit(main())
