/**
 * The long random-kill campaign (`make soak`): SOAK_KILLS SIGKILLs in total (default 100) while
 * records flow, split 40/30/30 between versitygw, s3rver and a file:// sink; SOAK_SEED picks
 * another campaign (default 1).
 */
import { killCampaignSuite } from '../helpers/kill-campaign-suite.js'

const total = Number(process.env.SOAK_KILLS ?? 100)
const seed = Number(process.env.SOAK_SEED ?? 1)
const versitygw = Math.round(total * 0.4)
const s3rver = Math.round(total * 0.3)
killCampaignSuite({ label: 'soak', seed, kills: { versitygw, s3rver, file: total - versitygw - s3rver } })
