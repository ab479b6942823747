/**
 * createStore: opens the Store for a location. Takes plain data (StoreSpec) so that a worker
 * thread opens the same store as the coordinator from what crossed the thread boundary; each
 * thread gets its own S3Client and sockets.
 */

import { SluiceError } from '../errors.js'
import { FileStore } from './file-store.js'
import { S3Store } from './s3-store.js'
import type { Store, StoreSpec } from './types.js'

export function createStore(spec: StoreSpec): Store {
  const location = spec.location
  switch (location.scheme) {
    case 's3':
    case 's3a':
      return new S3Store(location, spec.s3)
    case 'file':
      return new FileStore(location)
    default:
      throw new SluiceError(
        'SLUICE_CONFIG_PATH',
        `location "${location.original}" has the scheme "${String(location.scheme)}", which no ` +
          'store handles: build locations with parseLocation() (s3://, s3a:// or file:///).',
        { details: { value: location.original } },
      )
  }
}
