#!/usr/bin/env python3
# Writes the seed corpus of fuzz_enrolment (tests/fuzz/corpus/enrolment/) with the harness's fixed
# keys (see fuzz_enrolment.cpp). Needs python3-cryptography (Ed25519 / X25519 public keys).
import base64, hashlib, os, sys
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives import serialization

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus', 'enrolment')
raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw

def ed(seed): return ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(*raw)
def xpk(sk): return x25519.X25519PrivateKey.from_private_bytes(sk).public_key().public_bytes(*raw)

deployment, device = b'\x01' * 16, b'\x02' * 16
hq_box = xpk(b'\x11' * 32)
device_pk, root_pk, content_pk = ed(b'\x33' * 32), ed(b'\x44' * 32), ed(b'\x55' * 32)
cert_hash = hashlib.blake2b(b'fuzz-certificate', digest_size=32).digest()

def transcript(dev=device, dev_pk=device_pk):
    return (b'LIAISN-enrol-v1' + deployment + dev + root_pk + cert_hash + content_pk + hq_box +
            dev_pk + xpk(b'\x66' * 32) + ed(b'\x77' * 32))

# Minimal CBOR for the code map (unsigned keys 0..9 ascending).
def head(major, n):
    if n < 24: return bytes([major << 5 | n])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size): return bytes([major << 5 | ai]) + n.to_bytes(size, 'big')
def u(n): return head(0, n)
def b(x): return head(2, len(x)) + x
def t(s): s = s.encode(); return head(3, len(s)) + s
def code(pins):
    m = head(5, 10)
    m += u(0) + u(1) + u(1) + b(deployment) + u(2) + t('https://relay.example.org:8443')
    m += u(3) + head(4, len(pins)) + b''.join(b(p) for p in pins)
    m += u(4) + b(root_pk) + u(5) + b(device) + u(6) + b(b'\x88' * 32) + u(7) + u(1800000000000)
    m += u(8) + b(hq_box) + u(9) + u(1)
    body = m + hashlib.blake2b(b'LIAISN-code-v1' + m, digest_size=32).digest()[:4]
    return b'LIAISON1-' + base64.b32encode(body).rstrip(b'=')

os.makedirs(out, exist_ok=True)
def write(name, data):
    with open(os.path.join(out, name), 'wb') as f: f.write(data)

c = code([b'\xaa' * 32, b'\xbb' * 32])
write('code-valid', b'\x00' + c)
g = c[9:]
write('code-grouped-lower', b'\x00' + (b'liaison1-' + b'-'.join(g[i:i + 5] for i in range(0, len(g), 5)).lower()))
write('code-no-pins', b'\x00' + code([]))
write('code-damaged', b'\x00' + c[:40] + (b'B' if c[40:41] != b'B' else b'C') + c[41:])
write('submission-signed-valid', b'\x03' + transcript())
write('submission-signed-other-device', b'\x03' + transcript(dev=b'\x09' * 16))
write('submission-bad-signature', b'\x02' + transcript() + b'\x00' * 64)
write('submission-sealed-garbage', b'\x01' + bytes(range(256)) + bytes(range(159)))
