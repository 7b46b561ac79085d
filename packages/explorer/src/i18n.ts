/**
 * Chinese and English. The language defaults to the browser's (`navigator.languages`), can be
 * switched, and is remembered. Dates are shown in the reader's local time zone.
 */

/** A language of the page. */
export type Lang = 'en' | 'zh';

const en = {
  title: 'dataledger explorer',
  tagline: 'Everything on this page is verified in your browser against the log key you trust. The server’s own verdicts are never used.',
  skip: 'Skip to content',
  navVerify: 'Verify a certificate',
  navLog: 'Log',
  navStats: 'Statistics',
  language: 'Language',
  switchTo: '中文',
  switchToLabel: 'Switch to Chinese',
  trustTitle: 'Trusted log key',
  trustHelp: 'The C2SP verifier key of the log you trust. Checkpoints, proofs and certificates are checked against this key only.',
  trustFromServer:
    'Taken from this server on your first visit: check it against a copy you trust (for example the regulator’s publication) before relying on it.',
  trustPinned: 'Pinned by you.',
  trustSave: 'Pin this key',
  trustReset: 'Take the key from this server again',
  trustSaved: 'Key pinned.',
  trustInvalid: 'Not a valid verifier key',
  trustNone: 'No trusted log key: pin one above.',
  certTitle: 'Verify a certificate',
  certHelp:
    'Paste or drop a data-asset certificate (JSON). Its status lists can be pasted too, or fetched from this service; they are signed, and checked like the certificate.',
  certLabel: 'Certificate (JSON)',
  certFile: 'Or choose a file',
  drop: 'Drop a JSON file here',
  listsLabel: 'Status list credentials (JSON, optional: one object or an array)',
  fetchLists: 'Fetch the status lists from this service',
  skipStatus: 'Verify without status lists',
  verify: 'Verify',
  verifying: 'Verifying…',
  verdictOk: 'Verified: the certificate is authentic, in force and recorded in the trusted log.',
  verdictBad: 'Not verified: do not rely on this certificate.',
  checkCol: 'Check',
  resultCol: 'Result',
  codeCol: 'Code',
  detailCol: 'Meaning',
  pass: 'passed',
  fail: 'failed',
  statusVerdict: 'Status',
  took: 'Verified in {ms} ms, in this browser.',
  badJson: 'Not valid JSON',
  listsFetched: '{n} status list(s) fetched.',
  listsFetchFailed: 'Could not fetch a status list: {why}',
  listNotHere: 'this service does not publish {url}: paste the status list credentials its issuer published, or verify without status lists.',
  checkpointTitle: 'Latest checkpoint',
  origin: 'Origin',
  treeSize: 'Tree size',
  rootHash: 'Root hash',
  signatures: 'Signatures',
  logSig: 'Log signature: verified with the trusted key',
  logSigBad: 'The checkpoint is not signed by the trusted key',
  witnesses: 'Witnesses',
  noWitnesses: 'No witness has cosigned this checkpoint.',
  witnessOk: 'cosignature verifies (witness key as published by this server)',
  witnessBad: 'cosignature does not verify',
  consistencyTitle: 'Since your last visit',
  consistencyFirst: 'First visit: this checkpoint is remembered; next time the log must prove it only grew.',
  consistencyOk: 'Consistent: the log of {size1} records you saw last time is a prefix of today’s {size2} (RFC 9162 proof verified).',
  consistencySame: 'Unchanged since your last visit ({size} records).',
  consistencyBad: 'INCONSISTENT: the log you saw last time ({size1} records) is not a prefix of today’s. The log was rewritten.',
  entriesTitle: 'Entries',
  colIndex: 'Index',
  colTime: 'Time',
  colType: 'Type',
  colActor: 'Actor',
  colAsset: 'Asset',
  prev: 'Previous page',
  next: 'Next page',
  pageOf: 'Records {from}–{to} of {size}',
  recordTitle: 'Record {index}',
  proofTitle: 'Inclusion proof',
  proofOk: 'Verified: this record is leaf {index} of the tree of {size} signed by the trusted key (RFC 9162 §2.1.3.2).',
  proofBad: 'NOT verified: this record is not in the tree the trusted key signed.',
  sigOk: 'Signature by the actor verifies.',
  sigBad: 'Signature by the actor does NOT verify.',
  leafHash: 'Leaf hash',
  payload: 'Payload',
  assetHistory: 'History of asset {rn}',
  historyTitle: 'Asset history',
  assetName: 'Name',
  classificationLabel: 'Classification',
  departmentLabel: 'Source department',
  holderLabel: 'Holder',
  noHistory: 'No record names this asset.',
  ledgerVerified: 'All {size} entries were fetched and rebuild the root the trusted key signed.',
  ledgerNotVerified: 'The entries do not rebuild the signed root: nothing below can be trusted.',
  statsTitle: 'Statistics',
  statsFrom: 'Computed in this browser from the {size} public entries of the log.',
  byClassification: 'Assets by classification',
  byDepartment: 'Assets by source department',
  perMonth: 'Circulation per month',
  transfers: 'Transfers',
  licences: 'Licences granted',
  byPurpose: 'Licences by purpose',
  count: 'Count',
  figures: 'Figures',
  suppressedCell: '<{k}',
  suppressedNote:
    'Counts of fewer than {k} are not shown (<{k}): a small count could single out a holder or a data subject. Where only one count of a chart would be hidden, the next smallest is hidden too, so the total does not give it back.',
  month: 'Month',
  downloadJson: 'Download report (JSON)',
  downloadCsv: 'Download report (CSV)',
  loading: 'Loading…',
  error: 'Error',
  role: 'role',
  rootAuthority: 'root authority',
  unknownRole: 'no role',
  classification_general: 'general',
  classification_important: 'important',
  classification_core: 'core',
  check_format: 'Format',
  check_proof: 'Issuer’s signature',
  check_validity: 'Validity period',
  check_checkpoint: 'Checkpoint',
  check_record: 'Ledger record',
  check_inclusion: 'Ledger inclusion',
  check_issuer: 'Issuer',
  check_status: 'Status',
  check_disclosures: 'Disclosures',
  ok_disclosures: 'Each disclosure matches a digest the issuer signed.',
  bad_disclosures: 'A disclosure matches no digest of this certificate: changed, or of another asset or member.',
  disclosuresLabel: 'Disclosures (optional: one per line, as the holder handed them over)',
  disclosuresHelp: 'The holder name and the valuation may be concealed as digests; their holder chooses which to disclose. Drop a text file here, or paste.',
  disclosedTitle: 'Disclosed members',
  memberCol: 'Member',
  valueCol: 'Value',
  member_valuation: 'Valuation',
  'member_holder.name': 'Holder name',
  concealedCount: '{n} member(s) stay concealed: no disclosure given.',
  ok_format: 'A W3C Verifiable Credential 2.0 of type DataAssetCertificate.',
  ok_proof: 'Signed by the issuer (eddsa-jcs-2022); not altered since.',
  ok_validity: 'Within its validity period now.',
  ok_checkpoint: 'The evidence names a checkpoint signed by the trusted log key.',
  ok_record: 'The issuer’s signed certificate.issued record matches this certificate.',
  ok_inclusion: 'That record is in the log the trusted key signed.',
  ok_issuer: 'The issuer holds the registry role in that log.',
  ok_status: 'Neither revoked nor suspended.',
  bad_format: 'Not a data-asset certificate.',
  bad_proof: 'The issuer’s signature does not match: the certificate was altered or not signed by its issuer.',
  bad_validity: 'Not within its validity period.',
  bad_checkpoint: 'The evidence is not signed by the log key you trust.',
  bad_record: 'The ledger record does not match this certificate.',
  bad_inclusion: 'The record is not proven to be in the trusted log.',
  bad_issuer: 'The issuer is not proven to hold the registry role.',
  bad_status: 'Revoked, suspended, or its status could not be checked.',
  status_active: 'active',
  status_revoked: 'revoked',
  status_suspended: 'suspended',
  status_unchecked: 'not checked',
  status_unknown: 'unknown',
  footer: 'Verification runs in this page with the dataledger libraries; the service only supplies data.',
  findAsset: 'Asset history by registration number',
  show: 'Show',
  certId: 'Or fetch a certificate published on this service, by its id',
  fetchCert: 'Fetch',
};

/** The message keys. */
export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  title: '数据账本浏览器',
  tagline: '本页面的一切都在您的浏览器中、以您信任的日志公钥验证；从不采用服务器自己的结论。',
  skip: '跳到正文',
  navVerify: '验证证书',
  navLog: '日志',
  navStats: '统计',
  language: '语言',
  switchTo: 'English',
  switchToLabel: '切换到英文',
  trustTitle: '信任的日志公钥',
  trustHelp: '您信任的日志的 C2SP 验证公钥。检查点、证明和证书只以此公钥验证。',
  trustFromServer: '首次访问时取自本服务器：请先与您信任的副本（例如监管机构公布的公钥）核对，再依赖它。',
  trustPinned: '由您固定。',
  trustSave: '固定此公钥',
  trustReset: '重新从本服务器获取公钥',
  trustSaved: '公钥已固定。',
  trustInvalid: '不是有效的验证公钥',
  trustNone: '没有信任的日志公钥：请在上方固定一个。',
  certTitle: '验证证书',
  certHelp: '粘贴或拖入一份数据资产证书（JSON）。也可粘贴其状态列表，或从本服务获取；状态列表经过签名，与证书一样受检。',
  certLabel: '证书（JSON）',
  certFile: '或选择文件',
  drop: '将 JSON 文件拖到此处',
  listsLabel: '状态列表凭证（JSON，可选：一个对象或一个数组）',
  fetchLists: '从本服务获取状态列表',
  skipStatus: '不检查状态列表',
  verify: '验证',
  verifying: '正在验证…',
  verdictOk: '验证通过：证书真实、有效，并已记录在信任的日志中。',
  verdictBad: '验证未通过：请勿依赖此证书。',
  checkCol: '检查项',
  resultCol: '结果',
  codeCol: '代码',
  detailCol: '说明',
  pass: '通过',
  fail: '未通过',
  statusVerdict: '状态',
  took: '在本浏览器中验证，用时 {ms} 毫秒。',
  badJson: '不是有效的 JSON',
  listsFetched: '已获取 {n} 个状态列表。',
  listsFetchFailed: '无法获取状态列表：{why}',
  listNotHere: '本服务未发布 {url}：请粘贴其签发方发布的状态列表凭证，或选择不检查状态列表。',
  checkpointTitle: '最新检查点',
  origin: '日志标识',
  treeSize: '树大小',
  rootHash: '根哈希',
  signatures: '签名',
  logSig: '日志签名：已用信任的公钥验证',
  logSigBad: '检查点并非由信任的公钥签名',
  witnesses: '见证方',
  noWitnesses: '尚无见证方联署此检查点。',
  witnessOk: '联署签名有效（见证方公钥由本服务器公布）',
  witnessBad: '联署签名无效',
  consistencyTitle: '自上次访问以来',
  consistencyFirst: '首次访问：已记住此检查点；下次日志必须证明它只是增长。',
  consistencyOk: '一致：您上次看到的 {size1} 条记录的日志是今天 {size2} 条记录的前缀（已验证 RFC 9162 证明）。',
  consistencySame: '自上次访问以来没有变化（{size} 条记录）。',
  consistencyBad: '不一致：您上次看到的日志（{size1} 条记录）不是今天日志的前缀。日志被改写了。',
  entriesTitle: '记录',
  colIndex: '序号',
  colTime: '时间',
  colType: '类型',
  colActor: '操作者',
  colAsset: '资产',
  prev: '上一页',
  next: '下一页',
  pageOf: '第 {from}–{to} 条，共 {size} 条',
  recordTitle: '第 {index} 号记录',
  proofTitle: '包含证明',
  proofOk: '已验证：此记录是信任公钥所签 {size} 叶树中的第 {index} 叶（RFC 9162 §2.1.3.2）。',
  proofBad: '未验证：此记录不在信任公钥所签的树中。',
  sigOk: '操作者签名有效。',
  sigBad: '操作者签名无效。',
  leafHash: '叶哈希',
  payload: '内容',
  assetHistory: '资产 {rn} 的历史',
  historyTitle: '资产历史',
  assetName: '名称',
  classificationLabel: '分类分级',
  departmentLabel: '来源部门',
  holderLabel: '持有方',
  noHistory: '没有记录涉及此资产。',
  ledgerVerified: '已获取全部 {size} 条记录，并重建出信任公钥所签的根哈希。',
  ledgerNotVerified: '这些记录无法重建已签名的根哈希：以下内容均不可信。',
  statsTitle: '统计',
  statsFrom: '在本浏览器中根据日志的 {size} 条公开记录计算。',
  byClassification: '按分类分级的资产',
  byDepartment: '按来源部门的资产',
  perMonth: '每月流通',
  transfers: '转让',
  licences: '授权使用',
  byPurpose: '按用途的授权',
  count: '数量',
  figures: '数据表',
  suppressedCell: '不足{k}',
  suppressedNote:
    '少于 {k} 的计数不予显示（不足{k}）：过小的计数可能识别出某一持有方或数据主体。若某图表只有一个计数被隐藏，则再隐藏次小的计数，以免由合计反推。',
  month: '月份',
  downloadJson: '下载报告（JSON）',
  downloadCsv: '下载报告（CSV）',
  loading: '正在加载…',
  error: '错误',
  role: '角色',
  rootAuthority: '根机构',
  unknownRole: '无角色',
  classification_general: '一般',
  classification_important: '重要',
  classification_core: '核心',
  check_format: '格式',
  check_proof: '签发方签名',
  check_validity: '有效期',
  check_checkpoint: '检查点',
  check_record: '账本记录',
  check_inclusion: '账本包含',
  check_issuer: '签发方',
  check_status: '状态',
  check_disclosures: '披露',
  ok_disclosures: '每项披露都与签发方所签的摘要一致。',
  bad_disclosures: '有披露与此证书的任何摘要都不一致：被改动过，或属于其他资产或字段。',
  disclosuresLabel: '披露（可选：每行一项，按持有方提供的原样）',
  disclosuresHelp: '持有方名称与估值可能以摘要形式隐藏；由持有方决定披露哪些。可将文本文件拖到此处，或直接粘贴。',
  disclosedTitle: '已披露的字段',
  memberCol: '字段',
  valueCol: '值',
  member_valuation: '估值',
  'member_holder.name': '持有方名称',
  concealedCount: '{n} 个字段仍被隐藏：未提供披露。',
  ok_format: 'W3C 可验证凭证 2.0，类型为数据资产证书。',
  ok_proof: '由签发方签名（eddsa-jcs-2022），此后未被改动。',
  ok_validity: '当前在有效期内。',
  ok_checkpoint: '证据所附检查点由信任的日志公钥签名。',
  ok_record: '签发方签名的 certificate.issued 记录与此证书一致。',
  ok_inclusion: '该记录在信任公钥所签的日志中。',
  ok_issuer: '签发方在该日志中具有登记机构角色。',
  ok_status: '未被撤销或暂停。',
  bad_format: '不是数据资产证书。',
  bad_proof: '签发方签名不符：证书被改动过，或并非由其签发方签名。',
  bad_validity: '不在有效期内。',
  bad_checkpoint: '证据并非由您信任的日志公钥签名。',
  bad_record: '账本记录与此证书不一致。',
  bad_inclusion: '无法证明该记录在信任的日志中。',
  bad_issuer: '无法证明签发方具有登记机构角色。',
  bad_status: '已撤销、已暂停，或无法检查其状态。',
  status_active: '有效',
  status_revoked: '已撤销',
  status_suspended: '已暂停',
  status_unchecked: '未检查',
  status_unknown: '未知',
  footer: '验证在本页面中用 dataledger 程序库完成；服务只提供数据。',
  findAsset: '按登记编号查看资产历史',
  show: '查看',
  certId: '或按编号获取本服务上发布的证书',
  fetchCert: '获取',
};

/** Record types in plain words (the timeline and the entries table). */
const recordTypes: Record<Lang, Record<string, string>> = {
  en: {
    'ledger.genesis': 'ledger created',
    'role.granted': 'role granted',
    'role.revoked': 'role revoked',
    'asset.registered': 'registered',
    'asset.reviewed': 'reviewed',
    'asset.valued': 'valued',
    'asset.changed': 'changed',
    'asset.transferred': 'transferred',
    'asset.frozen': 'frozen',
    'asset.unfrozen': 'unfrozen',
    'asset.cancelled': 'cancelled',
    'certificate.issued': 'certified',
    'certificate.suspended': 'certificate suspended',
    'certificate.reinstated': 'certificate reinstated',
    'certificate.revoked': 'certificate revoked',
    'licence.granted': 'licensed',
    'licence.revoked': 'licence revoked',
    'crossborder.approved': 'cross-border approved',
    'consent.granted': 'consent granted',
    'consent.revoked': 'consent revoked',
    'aggregation.opened': 'statistics job opened',
    'aggregation.contributed': 'statistics contribution',
    'aggregation.released': 'statistics released',
    'disclosure.erased': 'disclosure erased',
  },
  zh: {
    'ledger.genesis': '账本创建',
    'role.granted': '授予角色',
    'role.revoked': '撤销角色',
    'asset.registered': '登记',
    'asset.reviewed': '合规性审查',
    'asset.valued': '评估',
    'asset.changed': '变更',
    'asset.transferred': '转让',
    'asset.frozen': '冻结',
    'asset.unfrozen': '解冻',
    'asset.cancelled': '注销',
    'certificate.issued': '发证',
    'certificate.suspended': '证书暂停',
    'certificate.reinstated': '证书恢复',
    'certificate.revoked': '证书撤销',
    'licence.granted': '授权使用',
    'licence.revoked': '撤销授权',
    'crossborder.approved': '出境批准',
    'consent.granted': '主体同意',
    'consent.revoked': '撤回同意',
    'aggregation.opened': '开启隐私计算',
    'aggregation.contributed': '提交密文',
    'aggregation.released': '发布统计结果',
    'disclosure.erased': '删除披露',
  },
};

const roleNames: Record<Lang, Record<string, string>> = {
  en: { registry: 'registry', regulator: 'regulator', appraiser: 'appraiser', reviewer: 'reviewer', exchange: 'exchange', holder: 'holder' },
  zh: { registry: '登记机构', regulator: '监管机构', appraiser: '评估机构', reviewer: '审查机构', exchange: '交易所', holder: '持有方' },
};

const STORAGE_KEY = 'dataledger.lang';

function initial(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh') return saved;
  } catch {
    // storage may be disabled; fall back to the browser's language
  }
  const langs = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  for (const l of langs) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'zh') return 'zh';
    if (base === 'en') return 'en';
  }
  return 'en';
}

let current: Lang = initial();

/** The current language. */
export function lang(): Lang {
  return current;
}

/** Switches the language and remembers it. */
export function setLang(l: Lang): void {
  current = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    // not remembered; the switch still applies to this page
  }
}

/**
 * A message in the current language, with `{name}` placeholders filled.
 * @param key - the message key
 * @param vars - placeholder values
 */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = (current === 'zh' ? zh : en)[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** A record type in plain words (the type itself when unknown). */
export function recordTypeName(type: string): string {
  return recordTypes[current][type] ?? type;
}

/** A role in plain words. */
export function roleName(role: string): string {
  return roleNames[current][role] ?? role;
}

/** A date and time in the reader's local time zone. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Intl.DateTimeFormat(current === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(ms));
}
