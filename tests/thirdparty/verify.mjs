// Third-party verification of a built credsite site, offline, with Digital Bazaar's
// verifiers (the ones the issue reports were tried by hand, pinned in package-lock.json):
//
//   1. every credential.json verifies with @digitalbazaar/vc + data-integrity, once with
//      the eddsa-jcs-2022 cryptosuite alone and once with eddsa-rdfc-2022 alone, each
//      against the site's own did.json; the credential's Bitstring Status List entries
//      are checked with @digitalbazaar/vc-bitstring-status-list (which verifies each
//      status list credential with the same cryptosuite), and the bits must match
//      --expect FILE ({"revoked": [ids], "suspended": [ids]}) when given;
//   2. a tampered copy of a credential (a changed claim, a changed proof) is rejected by
//      each cryptosuite;
//   3. strict JSON-LD: jsonld.js expands every credential, every status list and the DID
//      document in safe mode, so any undefined term is an error.
//
// Nothing is fetched: the document loader serves the contexts from the npm context
// packages and from credsite's own bundled copies (src/vc/contexts/), the DID document
// and the status lists from the site folder; any other URL is an error.
//
// Usage: node verify.mjs PUBLIC_DIR [--expect expected-status.json]
// Exits 0 only if everything verified; prints each failure and exits 1 otherwise.

import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite as createJcsVerifyCryptosuite} from
  '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {cryptosuite as rdfcCryptosuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import jsonld from 'jsonld';
import didContext from 'did-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function usage(message) {
  console.error(`error: ${message}`);
  console.error('usage: node verify.mjs PUBLIC_DIR [--expect expected-status.json]');
  process.exit(2);
}

const args = process.argv.slice(2);
let publicDir;
let expectFile;
for(let i = 0; i < args.length; ++i) {
  if(args[i] === '--expect') {
    expectFile = args[++i] ?? usage('--expect needs a file');
  } else if(!publicDir) {
    publicDir = args[i];
  } else {
    usage(`unexpected argument ${args[i]}`);
  }
}
if(!publicDir) {
  usage('name the built site folder (public/)');
}

const readJson = file => JSON.parse(fs.readFileSync(file, 'utf8'));

// --- The document loader: bundled contexts, the site's DID document and files. ---

const documents = new Map();
for(const [url, context] of credentialsContexts) {
  documents.set(url, context);
}
for(const pkg of [didContext, multikeyContext, dataIntegrityContext]) {
  for(const [url, context] of pkg.contexts) {
    documents.set(url, context);
  }
}
// credsite's own copies, the very files compiled into the binary.
const bundled = path.join(repo, 'src', 'vc', 'contexts');
documents.set('https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
  readJson(path.join(bundled, 'context-3.0.3.json')));
documents.set('https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
  readJson(path.join(bundled, 'extensions.json')));

const didDocument = readJson(path.join(publicDir, '.well-known', 'did.json'));
const did = didDocument.id;
if(typeof did !== 'string' || !did.startsWith('did:web:')) {
  console.error(`FAIL ${publicDir}/.well-known/did.json: id ${did} is not a did:web DID`);
  process.exit(1);
}
// did:web resolution ("Read"): did:web:host%3A8443:a:b is https://host:8443/a/b.
const [host, ...segments] = did.slice('did:web:'.length).split(':');
const baseUrl = ['https://' + decodeURIComponent(host), ...segments].join('/') + '/';

async function documentLoader(url) {
  if(documents.has(url)) {
    return {contextUrl: null, documentUrl: url, document: documents.get(url)};
  }
  if(url === did) {
    return {contextUrl: null, documentUrl: url, document: didDocument};
  }
  if(url.startsWith(did + '#')) {
    const method = (didDocument.verificationMethod || []).find(m => m.id === url);
    if(!method) {
      throw new Error(`${url} is not a verification method of ${did}`);
    }
    return {
      contextUrl: null,
      documentUrl: url,
      document: {'@context': didDocument['@context'], ...method}
    };
  }
  if(url.startsWith(baseUrl)) {
    const local = path.join(publicDir, ...url.slice(baseUrl.length).split('/'));
    return {contextUrl: null, documentUrl: url, document: readJson(local)};
  }
  throw new Error(`${url}: not bundled and not part of the site (nothing is fetched)`);
}

// --- The suites. ---

const suites = {
  'eddsa-jcs-2022': () =>
    new DataIntegrityProof({cryptosuite: createJcsVerifyCryptosuite()}),
  'eddsa-rdfc-2022': () =>
    new DataIntegrityProof({cryptosuite: rdfcCryptosuite})
};

const failures = [];
function fail(what, why) {
  failures.push(`${what}: ${why}`);
  console.error(`FAIL ${what}: ${why}`);
}

function errorText(result) {
  const errors = [];
  const walk = e => {
    if(!e) {
      return;
    }
    if(Array.isArray(e)) {
      e.forEach(walk);
      return;
    }
    errors.push(e.message || String(e));
    walk(e.errors);
    walk(e.cause);
  };
  walk(result.error);
  for(const r of result.results || []) {
    walk(r.error);
  }
  walk(result.statusResult && result.statusResult.error);
  return errors.join('; ') || JSON.stringify(result).slice(0, 500);
}

// Verifies the signature (as of the credential's validFrom, so that expired
// credentials are checked too) with one cryptosuite; returns the result.
async function verifyWith(name, credential) {
  const suite = suites[name]();
  return vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    now: new Date(credential.validFrom),
    checkStatus: options => checkStatus({...options, suite: suites[name]()})
  });
}

// The cryptosuites of the proofs that verified.
function verifiedSuites(result) {
  return (result.results || [])
    .filter(r => r.verified)
    .map(r => r.proof && r.proof.cryptosuite);
}

// --- 1. Every credential with each cryptosuite. ---

// credsite's layout: c/<shard>/<slug>/credential.json; a listed holder's slug is the
// credential id. `ids` are the folders under c/ ("<shard>/<slug>").
const credentialsDir = path.join(publicDir, 'c');
const ids = fs.readdirSync(credentialsDir)
  .flatMap(shard => fs.readdirSync(path.join(credentialsDir, shard)).map(slug => `${shard}/${slug}`))
  .filter(id => fs.existsSync(path.join(credentialsDir, id, 'credential.json')))
  .sort();
if(ids.length === 0) {
  fail(credentialsDir, 'no credential.json found');
}
const expected = expectFile ? readJson(expectFile) : null;
const statusBits = {revocation: new Set(), suspension: new Set()};
const counts = {'eddsa-jcs-2022': 0, 'eddsa-rdfc-2022': 0};

for(const id of ids) {
  const file = path.join(credentialsDir, id, 'credential.json');
  const credential = readJson(file);
  for(const name of Object.keys(suites)) {
    let result;
    try {
      result = await verifyWith(name, credential);
    } catch(e) {
      fail(`${file} (${name})`, e.message);
      continue;
    }
    if(!result.verified) {
      fail(`${file} (${name})`, errorText(result));
      continue;
    }
    const used = verifiedSuites(result);
    if(used.length !== 1 || used[0] !== name) {
      fail(`${file} (${name})`, `verified proofs: ${JSON.stringify(used)}`);
      continue;
    }
    if(!result.statusResult || !result.statusResult.verified) {
      fail(`${file} (${name})`, 'status not checked');
      continue;
    }
    for(const r of result.statusResult.results) {
      if(r.status) {
        statusBits[r.credentialStatus.statusPurpose]?.add(id.split('/').pop());
      }
    }
    counts[name] += 1;
  }
}

if(expected) {
  for(const [purpose, key] of [['revocation', 'revoked'], ['suspension', 'suspended']]) {
    const got = [...statusBits[purpose]].sort();
    const want = [...(expected[key] || [])].sort();
    if(JSON.stringify(got) !== JSON.stringify(want)) {
      fail(`${purpose} status`, `set for ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  }
}

// --- 2. Tampered copies are rejected. ---

if(ids.length > 0) {
  const file = path.join(credentialsDir, ids[0], 'credential.json');
  const original = readJson(file);
  const tamperings = {
    'a changed holder name': c => {
      c.credentialSubject.identifier[0].identityHash += ' Jr.';
    },
    'a changed validUntil': c => {
      c.validUntil = '2099-12-31T23:59:59Z';
    },
    'a changed proof created date': c => {
      for(const p of [c.proof].flat()) {
        p.created = '2020-01-01T00:00:00Z';
      }
    }
  };
  for(const [what, change] of Object.entries(tamperings)) {
    for(const name of Object.keys(suites)) {
      const copy = structuredClone(original);
      change(copy);
      let verified;
      let why;
      try {
        const result = await verifyWith(name, copy);
        verified = result.verified;
        why = verified ? '' : errorText(result);
      } catch(e) {
        verified = false;
        why = e.message;
      }
      if(verified !== false) {
        fail(`${file} with ${what} (${name})`, 'was accepted');
      } else if(!why.includes('Invalid signature')) {
        fail(`${file} with ${what} (${name})`, `rejected for another reason: ${why}`);
      } else {
        console.log(`rejected: ${ids[0]} with ${what} (${name}): ${why}`);
      }
    }
  }
}

// --- 3. Strict JSON-LD: safe-mode expansion of every JSON-LD document. ---

const jsonLdFiles = [
  ...ids.map(id => path.join(credentialsDir, id, 'credential.json')),
  ...fs.readdirSync(path.join(publicDir, 'status'))
    .filter(f => f.endsWith('.json'))
    .sort()
    .map(f => path.join(publicDir, 'status', f)),
  path.join(publicDir, '.well-known', 'did.json')
];
let expanded = 0;
for(const file of jsonLdFiles) {
  try {
    await jsonld.expand(readJson(file), {documentLoader, safe: true});
    expanded += 1;
  } catch(e) {
    const details = e.details ? ` ${JSON.stringify(e.details).slice(0, 300)}` : '';
    fail(`${file} (jsonld safe mode)`, `${e.message}${details}`);
  }
}

// The check bites: without the extensions context, credentialSchema's type
// 1EdTechJsonSchemaValidator2019 is an undefined term, which safe mode rejects.
if(ids.length > 0) {
  const copy = readJson(path.join(credentialsDir, ids[0], 'credential.json'));
  copy['@context'] = copy['@context'].filter(
    c => c !== 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json');
  delete copy.proof;
  try {
    await jsonld.expand(copy, {documentLoader, safe: true});
    fail('safe mode self-check', 'a credential without extensions.json expanded');
  } catch(e) {
    console.log(`rejected in safe mode without extensions.json: ${e.message}`);
  }
}

console.log(
  `eddsa-jcs-2022: ${counts['eddsa-jcs-2022']} of ${ids.length} credentials verified; ` +
  `eddsa-rdfc-2022: ${counts['eddsa-rdfc-2022']} of ${ids.length}; ` +
  `status: ${statusBits.revocation.size} revoked, ${statusBits.suspension.size} suspended; ` +
  `strict JSON-LD: ${expanded} of ${jsonLdFiles.length} documents expanded in safe mode`);
if(failures.length > 0) {
  console.error(`${failures.length} failure(s)`);
  process.exit(1);
}
console.log('OK');
