// The AWS signing parts of the Prometheus client, loaded only for SigV4 sources. They are re-exported
// from this local module, not imported dynamically from the packages: in the bundled CLI a dynamic
// import of a CommonJS package that is also imported statically elsewhere yields only its default
// export, and the named ones come back undefined.
export { SignatureV4 } from '@smithy/signature-v4';
export { fromNodeProviderChain } from '@aws-sdk/credential-providers';
