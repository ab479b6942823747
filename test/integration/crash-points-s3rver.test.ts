/** Deterministic crash points of the commit protocol on s3rver (see test/helpers/crash-points.ts). */
import { crashPointSuite } from '../helpers/crash-points.js'

crashPointSuite('s3rver')
