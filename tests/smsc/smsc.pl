#!/usr/bin/perl
# A test SMSC on loopback for IGRS's SMPP client, built on Net::SMPP (Debian's
# libnet-smpp-perl): an SMPP v3.4 implementation that is not ours. It accepts transceiver
# binds, answers each submit_sm with a message id, writes what it received as one JSON line
# to the log file, and sends a delivery receipt: DELIVRD, or UNDELIV with err:034 for numbers
# ending in 13. Usage: smsc.pl PORT LOGFILE
use strict;
use warnings;
use Net::SMPP;
use JSON::PP;
use IO::Handle;

my ($port, $log_file) = @ARGV;
$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = 'IGNORE';
my $listen = Net::SMPP->new_listen('127.0.0.1', port => $port, smpp_version => 0x34)
    or die "cannot listen on $port: $!";
open(my $log, '>>', $log_file) or die "cannot write $log_file: $!";
$log->autoflush(1);
STDOUT->autoflush(1);
print "ready\n";

while (1) {
    my $conn = $listen->accept or next;
    my $pid = fork();
    if (defined $pid && $pid == 0) { serve($conn); exit 0; }
}

sub serve {
    my ($c) = @_;
    my $n = 0;
    while (defined(my $pdu = $c->read_pdu())) {
        my $cmd = $pdu->{cmd};
        if ($cmd == 0x00000009) {    # bind_transceiver
            $c->bind_transceiver_resp(seq => $pdu->{seq}, system_id => 'testsmsc', async => 1);
        } elsif ($cmd == 0x00000004) {    # submit_sm
            $n++;
            my $id = "$$-$n";
            print $log encode_json({
                id => $id, from => $pdu->{source_addr}, to => $pdu->{destination_addr},
                data_coding => $pdu->{data_coding}, esm_class => $pdu->{esm_class},
                registered_delivery => $pdu->{registered_delivery},
                message_hex => unpack('H*', $pdu->{short_message}),
                entity_id => $pdu->{5120} // '', template_id => $pdu->{5121} // '',
            }) . "\n";
            $c->submit_sm_resp(seq => $pdu->{seq}, message_id => $id, async => 1);
            my $failed = $pdu->{destination_addr} =~ /13$/;
            my ($stat, $err, $state) = $failed ? ('UNDELIV', '034', 5) : ('DELIVRD', '000', 2);
            $c->deliver_sm(
                source_addr => $pdu->{destination_addr}, destination_addr => $pdu->{source_addr},
                esm_class => 0x04,
                short_message => "id:$id sub:001 dlvrd:00" . ($failed ? 0 : 1)
                    . " submit date:2611291200 done date:2611291200 stat:$stat err:$err text:",
                receipted_message_id => "$id\0", message_state => chr($state), async => 1);
        } elsif ($cmd == 0x00000015) {    # enquire_link
            $c->enquire_link_resp(seq => $pdu->{seq}, async => 1);
        } elsif ($cmd == 0x00000006) {    # unbind
            $c->unbind_resp(seq => $pdu->{seq}, async => 1);
            last;
        }
    }
}
