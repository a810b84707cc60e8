// The Generic Connector agent desk: commands and events over RabbitMQ Web-STOMP, JSON events.
// Settings come from the page's query string (all optional):
//   ws=ws://127.0.0.1:15674/ws  user=guest  pass=guest  vhost=/
//   commands=gc.commands  clients=gc.clients  destination=desk-<agent>-<random>
//   agent=1001  extension=3001  (pre-fill the login form)
// Commands go to /amq/queue/<commands> with the JMSType header; events arrive on
// /exchange/<clients>/<destination> (docs/protocol.md section 7, STOMP).
'use strict';

const params = new URLSearchParams(location.search);
const settings = {
  ws: params.get('ws') || `ws://${location.hostname || '127.0.0.1'}:15674/ws`,
  user: params.get('user') || 'guest',
  pass: params.get('pass') || 'guest',
  vhost: params.get('vhost') || '/',
  commands: params.get('commands') || 'gc.commands',
  clients: params.get('clients') || 'gc.clients',
  destination: params.get('destination'),
};

const $ = (id) => document.getElementById(id);
const desk = { agent: null, destination: null, dialog: null, client: null, beat: null };
// Read by the browser test (tests/e2e_desk.rs) and handy in the console.
window.desk = desk;

function log(kind, text, detail) {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  if (detail) {
    item.title = detail;
  }
  $('log').prepend(item);
}

function send(jmsType, body = '') {
  const shown = /^(Login|Connect)#/i.test(jmsType) ? '(hidden: it carries the password)' : body;
  log('sent', `-> ${jmsType} ${shown}`);
  desk.client.publish({
    destination: `/amq/queue/${settings.commands}`,
    headers: { JMSType: jmsType, 'gc-format': 'json', 'content-type': 'text/plain' },
    body,
  });
}

function setState(state, reason) {
  const el = $('state');
  el.textContent = state;
  el.className = `state ${state}`;
  $('reason').textContent = reason ? `reason ${reason}` : '';
  const loggedOut = state === 'LOGOUT';
  $('login-panel').hidden = !loggedOut;
  $('agent-panel').hidden = loggedOut;
  if (loggedOut) {
    $('call-panel').hidden = true;
  }
}

function setCall(call) {
  const ended = ['DROPPED', 'DROP', 'FAILED', 'DELETED', 'WRAP_UP'].includes(call.state);
  desk.dialog = ended ? null : call.dialogId;
  $('call-panel').hidden = false;
  $('call-id').textContent = call.dialogId;
  $('call-state').textContent = call.state || 'ALERTING';
  if (call.fromAddress) {
    $('call-from').textContent = call.fromAddress;
  }
  if (Array.isArray(call.callVariables)) {
    const set = call.callVariables
      .map((v) => Object.entries(v)[0])
      .filter(([name, value]) => value && name !== 'ani')
      .map(([name, value]) => `${name}=${value}`);
    $('call-vars').textContent = set.join(' · ');
  }
  for (const id of ['answer', 'hold', 'retrieve', 'release', 'transfer']) {
    $(id).disabled = ended;
  }
}

// One line for the log: the event's type and what matters of it (the whole JSON is the tooltip).
function summary(event) {
  if (Array.isArray(event)) {
    return `${event[0] && event[0].type} (${event.length})`;
  }
  switch (event.type) {
    case 'State':
      return `State ${event.state}${event.reasonCode ? ` (reason ${event.reasonCode})` : ''}`;
    case 'System':
      return `System ${event.status}`;
    case 'AgentInfo':
      return `AgentInfo ${event.firstName} ${event.lastName}`;
    case 'Error':
      return `Error ${event.code}: ${event.message}`;
    case 'NewInboundCall':
      return `NewInboundCall ${event.dialogId} from ${event.fromAddress}`;
    case 'InboundCall':
    case 'OutboundCall':
      return `${event.type} ${event.dialogId} ${event.state}`;
    case 'ReasonCodes':
      return `ReasonCodes ${event.category} (${event.reasonCodes.length})`;
    default:
      return event.type;
  }
}

function onEvent(message) {
  let event;
  try {
    event = JSON.parse(message.body);
  } catch {
    log('text', `<- ${message.body}`);
    return;
  }
  const first = Array.isArray(event) ? event[0] : event;
  const type = first && first.type;
  log(type || 'event', `<- ${summary(event)}`, message.body);
  switch (type) {
    case 'System':
      $('system').textContent = `system: ${event.status}`;
      break;
    case 'State':
      setState(event.state, event.reasonCode);
      break;
    case 'AgentInfo':
      $('agent-name').textContent = `${event.firstName} ${event.lastName} (${event.agentId})`;
      break;
    case 'ReasonCodes':
      if (event.category === 'NOT_READY') {
        const select = $('reasons');
        select.length = 1;
        for (const entry of event.reasonCodes) {
          const [code, label] = Object.entries(entry)[0];
          select.add(new Option(`${label} (${code})`, code));
        }
      }
      break;
    case 'NewInboundCall':
      setCall({ ...event, state: 'ALERTING' });
      break;
    case 'InboundCall':
    case 'OutboundCall':
      setCall(event);
      break;
    default:
      break;
  }
}

function connect(then) {
  if (desk.client && desk.client.connected) {
    then();
    return;
  }
  const client = new StompJs.Client({
    brokerURL: settings.ws,
    connectHeaders: { login: settings.user, passcode: settings.pass, host: settings.vhost },
    reconnectDelay: 2000,
  });
  client.onConnect = () => {
    $('link').textContent = 'connected';
    $('link').className = 'badge on';
    then();
  };
  client.onWebSocketClose = () => {
    $('link').textContent = 'disconnected';
    $('link').className = 'badge off';
  };
  client.onStompError = (frame) => log('Error', `broker: ${frame.headers.message}`);
  desk.client = client;
  client.activate();
}

function login(event) {
  event.preventDefault();
  const agent = $('agent').value.trim();
  const password = $('password').value;
  const extension = $('extension').value.trim();
  desk.agent = agent;
  desk.destination =
    settings.destination || `desk-${agent}-${Math.random().toString(36).slice(2, 8)}`;
  connect(() => {
    const receipt = `sub-${desk.destination}`;
    desk.client.watchForReceipt(receipt, () => {
      send(`Hello#${desk.destination}`);
      send(`Connect#${agent}`, `${desk.destination},${password}`);
      send(`Login#${agent}`, `${password},${extension}`);
      send(`reasoncodenotready#${agent}`);
      clearInterval(desk.beat);
      desk.beat = setInterval(() => send(`Beat#${desk.destination}`), 30000);
    });
    desk.client.subscribe(`/exchange/${settings.clients}/${desk.destination}`, onEvent, {
      receipt,
    });
  });
}

function wire() {
  $('agent').value = params.get('agent') || '';
  $('extension').value = params.get('extension') || '';
  $('login-form').addEventListener('submit', login);
  $('ready').onclick = () => send(`MakeReady#${desk.agent}`);
  $('not-ready').onclick = () => {
    const reason = $('reasons').value;
    if (reason) {
      send(`MakeNotReadyWithReason#${desk.agent}`, reason);
    } else {
      send(`MakeNotReady#${desk.agent}`);
    }
  };
  $('logout').onclick = () => send(`Logout#${desk.agent}`);
  $('answer').onclick = () => send(`AnswerCall#${desk.agent}`, desk.dialog);
  $('hold').onclick = () => send(`HoldCall#${desk.agent}`, desk.dialog);
  $('retrieve').onclick = () => send(`RetrieveCall#${desk.agent}`, desk.dialog);
  $('release').onclick = () => send(`ReleaseCall#${desk.agent}`, desk.dialog);
  $('transfer').onclick = () =>
    send(`Transfer_sst#${desk.agent}`, `${$('transfer-to').value.trim()},${desk.dialog}`);
}

wire();
