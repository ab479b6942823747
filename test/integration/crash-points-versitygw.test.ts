/** Deterministic crash points of the commit protocol on versitygw (see test/helpers/crash-points.ts). */
import { crashPointSuite } from '../helpers/crash-points.js'

crashPointSuite('versitygw')
