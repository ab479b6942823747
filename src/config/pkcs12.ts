/**
 * The CA certificates of a PKCS12 truststore (what `keytool -storetype PKCS12` and
 * `openssl pkcs12 -export -nokeys` write): Node's TLS reads PKCS12 only with a private key in it,
 * so the certificate bags are taken out here and handed on as PEM. RFC 7292 with PBES2 / PBKDF2
 * (RFC 8018, the default of Java 17 and OpenSSL 3) for encrypted bags, node:crypto only; the
 * legacy PKCS12 PBE algorithms are refused with how to re-export. The MAC is not checked: the
 * certificates are public, and a wrong password on encrypted bags fails the decryption.
 */
import { createDecipheriv, pbkdf2Sync } from 'node:crypto'

interface Tlv {
  tag: number
  value: Buffer
}

function read(buf: Buffer, pos: number): { tlv: Tlv; next: number } {
  const tag = buf[pos]!
  let len = buf[pos + 1]!
  let off = pos + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4) throw new Error('unsupported DER length')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + buf[off + i]!
    off += n
  }
  if (off + len > buf.length) throw new Error('truncated DER')
  return { tlv: { tag, value: buf.subarray(off, off + len) }, next: off + len }
}

function children(buf: Buffer): Tlv[] {
  const out: Tlv[] = []
  for (let pos = 0; pos < buf.length; ) {
    const { tlv, next } = read(buf, pos)
    out.push(tlv)
    pos = next
  }
  return out
}

function oid(t: Tlv): string {
  const b = t.value
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40]
  let v = 0
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f)
    if (!(b[i]! & 0x80)) {
      parts.push(v)
      v = 0
    }
  }
  return parts.join('.')
}

function int(t: Tlv): number {
  let v = 0
  for (const x of t.value) v = v * 256 + x
  return v
}

/** [0] EXPLICIT / IMPLICIT OCTET STRING content, primitive or constructed (BER chunks). */
function octets(t: Tlv): Buffer {
  if (t.tag === 0x04 || t.tag === 0x80) return t.value
  if (t.tag === 0x24 || t.tag === 0xa0) {
    const inner = children(t.value)
    if (t.tag === 0xa0 && inner.length === 1 && inner[0]!.tag === 0x04) return inner[0]!.value
    return Buffer.concat(inner.map(octets))
  }
  throw new Error(`expected an OCTET STRING, got tag 0x${t.tag.toString(16)}`)
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const
const PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
}
const CIPHER: Record<string, [string, number]> = {
  '2.16.840.1.101.3.4.1.2': ['aes-128-cbc', 16],
  '2.16.840.1.101.3.4.1.22': ['aes-192-cbc', 24],
  '2.16.840.1.101.3.4.1.42': ['aes-256-cbc', 32],
}

export class Pkcs12Error extends Error {
  constructor(
    message: string,
    readonly kind: 'password' | 'algorithm' | 'format',
  ) {
    super(message)
  }
}

function decrypt(alg: Tlv, data: Buffer, password: string): Buffer {
  const [algOid, params] = children(alg.value)
  if (oid(algOid!) !== OID.pbes2) throw new Pkcs12Error('its certificates are encrypted with a legacy PKCS12 algorithm (not PBES2)', 'algorithm')
  const [kdf, scheme] = children(params!.value)
  const [kdfOid, kdfParams] = children(kdf!.value)
  if (oid(kdfOid!) !== OID.pbkdf2) throw new Pkcs12Error('its key derivation is not PBKDF2', 'algorithm')
  const k = children(kdfParams!.value)
  const salt = k[0]!.value
  const iterations = int(k[1]!)
  const prfAlg = k.find((t) => t.tag === 0x30)
  const hash = prfAlg === undefined ? 'sha1' : PRF[oid(children(prfAlg.value)[0]!)]
  const [schemeOid, iv] = children(scheme!.value)
  const cipher = CIPHER[oid(schemeOid!)]
  if (hash === undefined || cipher === undefined) throw new Pkcs12Error('its encryption is not AES-CBC with HMAC-SHA PBKDF2', 'algorithm')
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, cipher[1], hash)
  try {
    const d = createDecipheriv(cipher[0], key, iv!.value)
    return Buffer.concat([d.update(data), d.final()])
  } catch {
    throw new Pkcs12Error('the password is wrong (its certificates cannot be decrypted)', 'password')
  }
}

function certsOfSafeContents(buf: Buffer, out: string[]): void {
  for (const bag of children(children(buf)[0]!.value)) {
    const [bagId, bagValue] = children(bag.value)
    if (oid(bagId!) !== OID.certBag) continue
    const [certId, certValue] = children(children(bagValue!.value)[0]!.value)
    if (oid(certId!) !== OID.x509) continue
    const der = octets(children(certValue!.value)[0]!)
    const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')
    out.push(`-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----`)
  }
}

/** The X.509 certificates of a PKCS12 file, as PEM. */
export function pkcs12Certificates(file: Buffer, password: string): string[] {
  const out: string[] = []
  try {
    const [, authSafe] = children(children(file)[0]!.value)
    const [ct, content] = children(authSafe!.value)
    if (oid(ct!) !== OID.data) throw new Pkcs12Error('its content is not plain data (public-key integrity mode)', 'algorithm')
    const safes = children(children(octets(children(content!.value)[0]!))[0]!.value)
    for (const ci of safes) {
      const [type, body] = children(ci.value)
      if (oid(type!) === OID.data) {
        certsOfSafeContents(octets(children(body!.value)[0]!), out)
      } else if (oid(type!) === OID.encryptedData) {
        const [, eci] = children(children(body!.value)[0]!.value)
        const [, alg, enc] = children(eci!.value)
        certsOfSafeContents(decrypt(alg!, octets(enc!), password), out)
      }
    }
  } catch (err) {
    if (err instanceof Pkcs12Error) throw err
    throw new Pkcs12Error(`it is not a valid PKCS12 file (${(err as Error).message})`, 'format')
  }
  return out
}
