# Managed by postdove. Run before every LMTP delivery (sieve_before).
#
# Postfix marks a recipient delivered only when Dovecot's 250 reaches it. A
# restart or crash that cuts the LMTP session after Dovecot stored the message
# but before that reply makes Postfix deliver the same queue file again: at
# least once, never lost. This names each delivery by the newest Received
# header Postfix wrote (its queue ID and arrival time: one accepted message)
# and the envelope recipient, and discards a second delivery of that name.
# Two distinct messages never share a name, whatever their Message-IDs.
require ["duplicate", "envelope", "variables"];

if header :matches "received" "*(Postfix*" {
  set "accepted" "${0}";
  if envelope :all :matches "to" "*" {
    if duplicate :uniqueid "${accepted} for ${1}" {
      discard;
      stop;
    }
  }
}
