/**
 * The short random-kill campaign of `make test`: 20 SIGKILLs while records flow (8 on versitygw,
 * 6 on s3rver, 6 on a file:// sink). `make soak` runs the long one (test/soak/).
 */
import { killCampaignSuite } from '../helpers/kill-campaign-suite.js'

killCampaignSuite({ label: 'short campaign', seed: 20, kills: { versitygw: 8, s3rver: 6, file: 6 } })
